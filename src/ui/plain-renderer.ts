/**
 * The line printer: one line per event worth a line, never redrawn, in the style of kind's
 * output on a dumb terminal. Used when stdout is not a terminal, in CI, and with TERM=dumb.
 */

import type { CheckResult, ErrorInfo, LabEvent } from "../pipeline/events.js";
import { createPalette, type Palette } from "./ansi.js";
import { errorKey, errorLines } from "./error-lines.js";
import { flushStream } from "./flush-stream.js";
import {
  BULLET,
  CROSS,
  TICK,
  checkDetail,
  checkLabel,
  formatCheckCounts,
  formatDiagnosisHeading,
  formatDuration,
  formatOutcome,
  formatProgress,
  taskLabel,
} from "./format.js";
import { INDENT } from "./indent.js";
import type { Renderer } from "./renderer.js";

/** Options of {@link createPlainRenderer}. */
export interface PlainRendererOptions {
  stdout: NodeJS.WritableStream;
  /** Show debug logs and the stacks of bugs. */
  verbose: boolean;
  /** Use ANSI colours. */
  color: boolean;
}

/** The key of a node's task (or progress) within a step. */
function nodeKey(step: string, node: string | undefined): string {
  return `${step}\u0000${node ?? ""}`;
}

/** Colours a check status label. */
function paintLabel(palette: Palette, status: CheckResult["status"]): string {
  const label = checkLabel(status);
  if (status === "pass") return palette.green(label);
  if (status === "fail") return palette.red(label);
  return palette.yellow(label);
}

/** The mark of a finished step, task or run. */
function mark(palette: Palette, status: "ok" | "failed"): string {
  return status === "ok" ? palette.green(TICK) : palette.red(CROSS);
}

/** Renders events as plain lines on `options.stdout`. */
export function createPlainRenderer(options: PlainRendererOptions): Renderer {
  const { stdout, verbose } = options;
  const palette = createPalette(options.color);
  const titles = new Map<string, string>();
  const taskTitles = new Map<string, string>();
  const lastProgress = new Map<string, string>();
  const shownErrors = new Set<string>();
  const checks: CheckResult[] = [];

  const write = (line: string): void => {
    stdout.write(`${line}\n`);
  };

  /** Prints an error block once: the same error reported by a task, its step and the run shows once. */
  const writeError = (error: ErrorInfo, indent: string): void => {
    const key = errorKey(error);
    if (shownErrors.has(key)) return;
    shownErrors.add(key);
    for (const line of errorLines(error, verbose)) {
      const text = line.kind === "message" ? palette.red(line.text) : line.kind === "hint" ? palette.yellow(line.text) : line.text;
      write(`${indent}${line.indented ? INDENT.evidence : ""}${text}`);
    }
  };

  const writeCheck = (result: CheckResult): void => {
    const row = [paintLabel(palette, result.status), result.check, result.node ?? "", checkDetail(result)];
    write(`${INDENT.check}${row.filter((cell) => cell !== "").join("  ")}`);
    if (result.status === "fail" && result.reason !== undefined) write(`${INDENT.task}${result.reason}`);
    if (result.status !== "pass" && result.hint !== undefined) write(`${INDENT.task}${palette.yellow(`hint: ${result.hint}`)}`);
  };

  const writeSummary = (event: Extract<LabEvent, { type: "run-end" }>): void => {
    write("");
    if (event.error !== undefined) writeError(event.error, "");
    if (checks.length > 0) write(`checks: ${formatCheckCounts(checks)}`);
    write(`${INDENT.step}${mark(palette, event.status)} ${formatOutcome(event.status, event.durationMs)}`);
    const next = event.next ?? [];
    if (next.length > 0) {
      write("next:");
      for (const line of next) write(`${INDENT.evidence}${line}`);
    }
  };

  const sink = (event: LabEvent): void => {
    switch (event.type) {
      case "run-start":
        for (const step of event.steps) titles.set(step.id, step.title);
        write(`lab ${event.lab}: ${event.command} (provider: ${event.provider})`);
        return;
      case "step-start":
        titles.set(event.step, event.title);
        write(`${INDENT.step}${BULLET} ${event.title} ...`);
        return;
      case "step-end": {
        const title = titles.get(event.step) ?? event.step;
        write(`${INDENT.step}${mark(palette, event.status)} ${title} (${formatDuration(event.durationMs)})`);
        if (event.error !== undefined) writeError(event.error, INDENT.step + INDENT.evidence);
        return;
      }
      case "task-start":
        if (event.title !== undefined) taskTitles.set(nodeKey(event.step, event.node), event.title);
        return;
      case "task-end": {
        const label = taskLabel({ node: event.node, title: taskTitles.get(nodeKey(event.step, event.node)) });
        write(`${INDENT.task}${mark(palette, event.status)} ${label} (${formatDuration(event.durationMs)})`);
        if (event.error !== undefined) writeError(event.error, INDENT.task + INDENT.evidence);
        return;
      }
      case "progress": {
        const key = nodeKey(event.step, event.node);
        if (lastProgress.get(key) === event.message) return;
        lastProgress.set(key, event.message);
        write(`${INDENT.task}${palette.dim(formatProgress(event))}`);
        return;
      }
      case "log": {
        const text = event.node === undefined ? event.message : `${event.node}: ${event.message}`;
        if (event.level === "warn") write(palette.yellow(`WARNING: ${text}`));
        else if (event.level === "info") write(text);
        else if (verbose) write(palette.dim(`debug: ${text}`));
        return;
      }
      case "check":
        checks.push(event.result);
        writeCheck(event.result);
        return;
      case "diagnosis":
        write(`${INDENT.check}${palette.red(formatDiagnosisHeading(event.diagnosis))}`);
        write(`${INDENT.task}found: ${event.diagnosis.found}`);
        write(`${INDENT.task}${palette.yellow(`fix: ${event.diagnosis.fix}`)}`);
        return;
      case "run-end":
        writeSummary(event);
        return;
    }
  };

  return { sink, close: () => flushStream(stdout) };
}
