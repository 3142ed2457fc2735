/**
 * What the CLI prints outside event streams: errors (message, hint, file problems; the stack only
 * with --verbose) and small results, as text or as JSON.
 */
import type { Command } from "commander";
import { LabFileError, formatProblem } from "../config/problem.js";
import { CommandError, errorMessage, isUserError } from "../errors.js";
import { toErrorInfo } from "../pipeline/error-info.js";
import type { ErrorLine } from "../pipeline/events.js";

/** Global options every command understands. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** Prints an error to stderr (or as JSON on stdout) and returns the exit code to use. */
export function reportError(error: unknown, options: GlobalOptions): number {
  const exitCode = isUserError(error) ? error.exitCode : 1;
  if (options.json) {
    const info = toErrorInfo(error);
    const problems = error instanceof LabFileError ? error.problems : undefined;
    if (!options.verbose) delete info.stack;
    const line: ErrorLine = { type: "error", exitCode, error: info, ...(problems ? { problems } : {}) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return exitCode;
  }
  const lines: string[] = [];
  if (error instanceof LabFileError) {
    lines.push(`error: ${error.message}`);
    for (const p of error.problems) lines.push(formatProblem(p));
  } else if (isUserError(error)) {
    lines.push(`error: ${error.message}`);
    if (error instanceof CommandError) {
      lines.push(`  command (on ${error.where}): ${error.command}`);
      if (error.output) lines.push(...error.output.split("\n").map((l) => `    ${l}`));
    }
    if (error.hint) lines.push(...`hint: ${error.hint}`.split("\n").map((l) => `  ${l}`));
  } else {
    lines.push(`error: bug: ${errorMessage(error)}`);
    lines.push("  this is kubelab's fault, not yours: please report it with the output of --verbose");
  }
  if (options.verbose && error instanceof Error && error.stack) lines.push(error.stack);
  process.stderr.write(`${lines.join("\n")}\n`);
  return exitCode;
}

/** Runs a command's body with the global options; an error is reported and sets the exit code. */
export async function reported(cmd: Command, body: (global: GlobalOptions) => Promise<void>): Promise<void> {
  const global = cmd.optsWithGlobals<GlobalOptions>();
  try {
    await body(global);
  } catch (error) {
    process.exitCode = reportError(error, global);
  }
}

/** Prints a result: JSON as one line, or the text lines. */
export function printResult(options: GlobalOptions, json: unknown, text: () => string[]): void {
  if (options.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else process.stdout.write(`${text().join("\n")}\n`);
}

/** A table of rows with left-aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

/** "3m", "2h", "5d" since an ISO date. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
