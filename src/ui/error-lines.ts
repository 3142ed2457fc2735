/**
 * The lines of an error block, worked out once for the plain printer and the Ink view: the
 * message, the hint, the failed command and where it ran, its output, the journal excerpts, and
 * the stack (only when verbose, since only bugs carry one).
 */

import type { ErrorInfo } from "../pipeline/events.js";

/** What a line of an error block is, so each renderer can style it. */
export type ErrorLineKind = "message" | "hint" | "command" | "output" | "journal-title" | "journal" | "stack";

/** One line of an error block. */
export interface ErrorLine {
  kind: ErrorLineKind;
  text: string;
  /** Evidence lines (output, journal lines, stack) sit indented under their heading. */
  indented: boolean;
}

/**
 * What makes two errors the same for the reader: everything but the stack. The same failure reaches
 * a renderer from its task, its step and the run's end; it is shown once.
 */
export function errorKey(error: ErrorInfo): string {
  return JSON.stringify({ ...error, stack: undefined });
}

/** Splits a block of text into lines, dropping trailing blank lines. */
function lines(text: string): string[] {
  return text.replace(/\s+$/, "").split(/\r?\n/);
}

/** The lines of an error block for `error`; the stack is included only when `verbose`. */
export function errorLines(error: ErrorInfo, verbose: boolean): ErrorLine[] {
  const out: ErrorLine[] = [{ kind: "message", text: `ERROR: ${error.message}`, indented: false }];
  if (error.hint !== undefined) out.push({ kind: "hint", text: `hint: ${error.hint}`, indented: false });
  if (error.command !== undefined) {
    const where = error.where === undefined ? "" : ` (on ${error.where})`;
    out.push({ kind: "command", text: `command${where}: ${error.command}`, indented: false });
  }
  if (error.output !== undefined && error.output.trim() !== "") {
    for (const text of lines(error.output)) out.push({ kind: "output", text, indented: true });
  }
  for (const excerpt of error.journal ?? []) {
    out.push({ kind: "journal-title", text: `journal of ${excerpt.unit} on ${excerpt.node}:`, indented: false });
    for (const text of excerpt.lines) out.push({ kind: "journal", text, indented: true });
  }
  if (verbose && error.stack !== undefined) {
    out.push({ kind: "stack", text: "stack:", indented: false });
    for (const text of lines(error.stack)) out.push({ kind: "stack", text, indented: true });
  }
  return out;
}
