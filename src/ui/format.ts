/**
 * Text formatting shared by the plain printer and the Ink view, so both say the same thing the
 * same way: durations, check labels and counts, progress messages, run outcomes.
 */

import type { CheckResult, Diagnosis } from "../pipeline/events.js";

/** Mark of a finished, successful step, task or run. */
export const TICK = "✓";
/** Mark of a failed step, task or run. */
export const CROSS = "✗";
/** Mark of a step that has started. */
export const BULLET = "•";

/**
 * A duration as a person reads it: `850ms` under a second, `1.2s` under a minute, `1m05s` under
 * an hour, `1h02m05s` beyond. Negative or non-finite input counts as zero.
 */
export function formatDuration(ms: number): string {
  const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (Math.round(value) < 1000) return `${Math.round(value)}ms`;
  const tenths = Math.round(value / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const totalSeconds = Math.round(value / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, "0");
  if (hours === 0) return `${minutes}m${seconds}s`;
  return `${hours}h${String(minutes).padStart(2, "0")}m${seconds}s`;
}

/** The first non-blank line of a text, trimmed; empty when there is none. */
export function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line !== "") ?? ""
  );
}

/** The label of a check status in results tables: PASS, FAIL or NOT RUN. */
export function checkLabel(status: CheckResult["status"]): string {
  switch (status) {
    case "pass":
      return "PASS";
    case "fail":
      return "FAIL";
    case "not-run":
      return "NOT RUN";
  }
}

/**
 * What a check row shows after its status: what a run check saw (first line), or why a check
 * that could not run was not run.
 */
export function checkDetail(result: CheckResult): string {
  if (result.status === "not-run") return firstLine(result.reason ?? result.saw);
  return firstLine(result.saw);
}

/**
 * The counts of a set of check results, e.g. `4 passed, 1 failed, 1 not run`. Not-run checks are
 * always counted on their own, never as passed; zero counts other than "passed" are left out.
 */
export function formatCheckCounts(results: readonly CheckResult[]): string {
  const count = (status: CheckResult["status"]): number =>
    results.filter((result) => result.status === status).length;
  const parts = [`${count("pass")} passed`];
  if (count("fail") > 0) parts.push(`${count("fail")} failed`);
  if (count("not-run") > 0) parts.push(`${count("not-run")} not run`);
  return parts.join(", ");
}

/** The heading of a diagnosis: `cause: <the known cause> (on <node>)`. */
export function formatDiagnosisHeading(diagnosis: Diagnosis): string {
  return `cause: ${diagnosis.title}${diagnosis.node === undefined ? "" : ` (on ${diagnosis.node})`}`;
}

/** A progress message with its node and counter: `node1: pulling images (3/5)`. */
export function formatProgress(progress: { node?: string; message: string; done?: number; total?: number }): string {
  const counter =
    progress.total === undefined ? "" : ` (${progress.done ?? 0}/${progress.total})`;
  const node = progress.node === undefined ? "" : `${progress.node}: `;
  return `${node}${progress.message}${counter}`;
}

/** The closing line of a run: `done in 1m05s` or `failed after 3.4s`. */
export function formatOutcome(status: "ok" | "failed", durationMs: number): string {
  const took = formatDuration(durationMs);
  return status === "ok" ? `done in ${took}` : `failed after ${took}`;
}

/** A task's label under its step: the node, and the task's title when it has one. */
export function taskLabel(task: { node: string; title?: string }): string {
  return task.title === undefined ? task.node : `${task.node}: ${task.title}`;
}
