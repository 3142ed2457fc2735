/**
 * Programs on the host that an image build runs (tar, mkfs.ext4, qemu-img, vagrant): looked for
 * before a build starts, so that a missing one is named with its package at once rather than after
 * minutes of work, and run so that a failure shows the command and the end of its output.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CommandError, errorMessage, shellLine, UserError } from "../errors.js";

/** A program on the host and the Debian package it comes in. */
export interface HostTool {
  readonly command: string;
  readonly debianPackage: string;
}

/** GNU tar. */
export const TAR: HostTool = { command: "tar", debianPackage: "tar" };
/** mkfs.ext4, which fills a new filesystem from a folder (`-d`). */
export const MKFS_EXT4: HostTool = { command: "mkfs.ext4", debianPackage: "e2fsprogs" };
/** qemu-img, which turns a raw disk image into qcow2. */
export const QEMU_IMG: HostTool = { command: "qemu-img", debianPackage: "qemu-utils" };
/** Vagrant. */
export const VAGRANT: HostTool = { command: "vagrant", debianPackage: "vagrant" };

/** Lines of a failed command's output kept in its error. */
const OUTPUT_LINES = 20;

/** Terminal control sequences (Vagrant's progress redraws its line with them). */
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** True when `command` is an executable file in a folder of PATH. */
async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Throws a UserError naming every tool of `tools` that is not on PATH, and what to install. */
export async function requireHostTools(tools: readonly HostTool[], what: string): Promise<void> {
  const missing: HostTool[] = [];
  for (const tool of tools) if (!(await onPath(tool.command))) missing.push(tool);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => t.debianPackage))].join(" ");
  throw new UserError(`failed to ${what}: ${missing.map((t) => t.command).join(", ")} ${missing.length === 1 ? "is" : "are"} not installed`, {
    hint: `install ${missing.length === 1 ? "it" : "them"} (Debian, Ubuntu: sudo apt-get install ${packages}), and make sure ${missing.length === 1 ? "it is" : "they are"} on PATH (some live in /usr/sbin)`,
  });
}

/** Options of {@link runHostTool}. */
export interface RunHostToolOptions {
  /** What the run is for, as in "failed to <what>". */
  what: string;
  /** Each line the tool prints, as it prints it. */
  onLine?: (line: string) => void;
  /** What the tool reads on stdin (by default nothing). */
  stdin?: Readable;
}

/** Runs a host tool; resolves with its stdout, throws a CommandError when it fails. */
export async function runHostTool(tool: HostTool, args: readonly string[], options: RunHostToolOptions): Promise<string> {
  // Loaded here, not with the module: a run that builds nothing (a rerun) need not load execa.
  const { execa } = await import("execa");
  const run = execa(tool.command, args, {
    reject: false,
    all: true,
    stdin: options.stdin ? "pipe" : "ignore",
    env: { LC_ALL: "C", VAGRANT_CHECKPOINT_DISABLE: "1" },
  });
  let partial = "";
  const emit = (line: string): void => {
    const text = line.replace(ANSI_ESCAPE, "").trim();
    if (text) options.onLine?.(text);
  };
  if (options.onLine) {
    run.all?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split(/\r?\n|\r/);
      partial = lines.pop() ?? "";
      lines.forEach(emit);
    });
  }
  // A stream that fails midway (or a tool that stops reading) fails the run.
  const fed = options.stdin && run.stdin ? pipeline(options.stdin, run.stdin).then(() => undefined, (error: unknown) => error) : undefined;
  const result = await run;
  const feedError = await fed;
  emit(partial);
  const argv = [tool.command, ...args];
  if (result.code === "ENOENT") {
    throw new UserError(`failed to ${options.what}: ${tool.command} is not installed`, {
      hint: `install it (Debian, Ubuntu: sudo apt-get install ${tool.debianPackage})`,
    });
  }
  if (result.failed || feedError !== undefined) {
    const lines = String(result.all ?? "").replace(ANSI_ESCAPE, "").split(/\r?\n|\r/).filter((l) => l.trim());
    const output = lines.slice(-OUTPUT_LINES).join("\n");
    const why = result.failed ? (result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`) : `its input failed: ${errorMessage(feedError)}`;
    throw new CommandError(
      `failed to ${options.what} (${why})`,
      { command: shellLine(argv), where: "host", exitCode: result.exitCode, output },
    );
  }
  return String(result.stdout);
}
