/**
 * Running a host tool the doctor asks about (vagrant, virsh): never throws, never waits past its
 * timeout, and says plainly whether the tool is missing, timed out or failed.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { shellLine } from "../errors.js";

/** How a tool run ended. */
export type ToolResult =
  | { outcome: "ok"; stdout: string; stderr: string }
  | { outcome: "missing" }
  | { outcome: "failed"; message: string; stdout: string; stderr: string };

/** Runs argv with stdin closed, in the C locale, killed after `timeoutMs`. */
export async function runTool(argv: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<ToolResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error("bug: runTool needs a command");
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, forceKillAfterDelay: 1000, stdin: "ignore", env: { LC_ALL: "C", ...env } });
  if (r.code === "ENOENT") return { outcome: "missing" };
  const stdout = String(r.stdout).trim();
  const stderr = String(r.stderr).trim();
  if (r.exitCode === 0 && !r.timedOut) return { outcome: "ok", stdout, stderr };
  const why = r.timedOut ? `no answer within ${timeoutMs / 1000}s` : lastLine(stderr) || lastLine(stdout) || `exit code ${r.exitCode ?? r.signal}`;
  return { outcome: "failed", message: `${shellLine(argv)}: ${why}`, stdout, stderr };
}

/** The last non-blank line of a text. */
function lastLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "";
}

/** The path of an executable on PATH, or undefined. */
export async function findOnPath(name: string, path = process.env.PATH ?? ""): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}
