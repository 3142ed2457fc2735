/**
 * Problems found in a lab file: what is wrong, where (file, line, column and the path of the value)
 * and what to do about it. The loader collects every problem of a file before it gives up, so a
 * user fixes them all in one round.
 */
import { UserError } from "../errors.js";

/** How bad a problem is: errors stop the lab file from loading, warnings are only reported. */
export type Severity = "error" | "warning";

/** One problem of a lab file, positioned at the YAML node it concerns. */
export interface Problem {
  /** The lab file, as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
  /** Path of the value in the lab, e.g. `["nodes", 2, "ip"]`; empty for the whole file. */
  path: (string | number)[];
  severity: Severity;
  /** What is wrong, lower-case, no trailing period. */
  message: string;
  /** What to do about it. */
  hint?: string;
}

/**
 * Formats a problem the way compilers do, with the hint on an indented second line:
 * `labs/x.yaml:12:9: error: node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24`.
 */
export function formatProblem(p: Problem): string {
  const head = `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.message}`;
  return p.hint === undefined ? head : `${head}\n  hint: ${p.hint}`;
}

/**
 * A lab file that cannot be loaded. Carries every problem found (errors and warnings); the CLI
 * prints them with {@link formatProblem}. Exits with code 2, the usual code for bad input.
 */
export class LabFileError extends UserError {
  override readonly name = "LabFileError";
  /** Every problem of the file, in file order. */
  readonly problems: Problem[];

  constructor(file: string, problems: Problem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`failed to load lab file ${file}: ${count}`, { exitCode: 2 });
    this.problems = problems;
  }
}
