/**
 * Problems found in a lab file: what is wrong, where (file, line, column and the path of the value)
 * and what to do about it. The loader collects every problem of a file before it gives up, so a
 * user fixes them all in one round.
 */
import { z } from "zod";
import { UserError } from "../errors.js";

/** One problem of a lab file, positioned at the YAML node it concerns. */
export const problemSchema = z
  .strictObject({
    file: z.string().describe("the lab file, as the user named it"),
    line: z.number().int().describe("1-based line"),
    col: z.number().int().describe("1-based column"),
    path: z.array(z.union([z.string(), z.number()])).describe('path of the value in the lab, e.g. ["nodes", 2, "ip"]; empty for the whole file'),
    severity: z.enum(["error", "warning"]).describe("errors stop the lab file from loading, warnings are only reported"),
    message: z.string().describe("what is wrong, lower-case, no trailing period"),
    hint: z.string().optional().describe("what to do about it"),
  })
  .meta({ id: "Problem", description: "a problem of a lab file" });

/** One problem of a lab file, positioned at the YAML node it concerns. */
export type Problem = z.infer<typeof problemSchema>;

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
