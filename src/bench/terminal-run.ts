/**
 * Running a command in a real terminal: a tmux pane of a private tmux server, so the command's
 * stdout is a TTY (as when a person runs it) and what it drew can be read back from the screen.
 * The command's wall time and CPU time are measured by the shell that runs it, inside the pane.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { shellLine } from "../errors.js";

/** Options of {@link runInTerminal}. */
export interface TerminalRunOptions {
  /** The command's whole environment (and the tmux server's): nothing of this process's is added. */
  env: NodeJS.ProcessEnv;
  /** The terminal's size (default 120 x 50). */
  columns?: number;
  rows?: number;
  /** A file to send the command's stdout to instead of the terminal (stdout is then not a TTY). */
  stdoutFile?: string;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
}

/** How a command run in a terminal ended, and what it left on the screen. */
export interface TerminalRun {
  exitCode: number;
  /** Wall time from the command's start to its exit, measured in the pane. */
  wallMs: number;
  /** CPU time (user + system) the command and its children used. */
  cpuMs: number;
  /** The terminal's scrollback and screen as plain text, wrapped lines joined. */
  text: string;
  /** The same with the escape sequences of each cell's attributes (colours, bold). */
  styledText: string;
}

/** `0m1.234s` as milliseconds. */
function timesValue(value: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(value);
  if (!m) throw new Error(`bug: unexpected output of the shell's times: ${value}`);
  return Number(m[1]) * 60_000 + Math.round(Number(m[2]) * 1000);
}

/**
 * Runs `argv` in a terminal of its own (a new tmux server on a socket of its own) and waits for it
 * to exit. The pane's shell stays on after the command so that its screen can be read; the tmux
 * server is removed at the end whatever happened.
 */
export async function runInTerminal(argv: readonly string[], options: TerminalRunOptions): Promise<TerminalRun> {
  const dir = await mkdtemp(join(tmpdir(), "kubelab-terminal-"));
  const result = join(dir, "result");
  // The server's socket lives in the run's own folder, removed with it.
  const tmux = (args: string[]) => execa("tmux", ["-S", join(dir, "tmux.sock"), "-f", "/dev/null", ...args], { env: options.env, extendEnv: false });
  const redirect = options.stdoutFile === undefined ? "" : ` > ${shellLine([options.stdoutFile])}`;
  const script = [
    "start=$(date +%s%N)",
    `${shellLine(argv)}${redirect}`,
    "rc=$?",
    "end=$(date +%s%N)",
    // The second line of `times` (run by this shell, not a subshell): its children's user and system time.
    `times > ${shellLine([`${result}.times`])}`,
    `printf '%s %s %s\\n' "$rc" "$(( (end - start) / 1000000 ))" "$(tail -n 1 ${shellLine([`${result}.times`])})" > ${shellLine([`${result}.tmp`])}`,
    `mv ${shellLine([`${result}.tmp`, result])}`,
    "exec sleep 86400",
  ].join("; ");
  try {
    await tmux(["new-session", "-d", "-s", "run", "-x", String(options.columns ?? 120), "-y", String(options.rows ?? 50), shellLine(["bash", "-c", script])]);
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let line: string | undefined;
    while (line === undefined) {
      line = await readFile(result, "utf8").catch(() => undefined);
      if (line === undefined && Date.now() > deadline) throw new Error(`${shellLine(argv)} did not exit in a terminal within ${options.timeoutMs ?? 600_000} ms`);
      if (line === undefined) await sleep(100);
    }
    const [rc, wall, user, system] = line.trim().split(/\s+/);
    const capture = async (extra: string[]): Promise<string> => (await tmux(["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "run", ...extra])).stdout;
    return {
      exitCode: Number(rc),
      wallMs: Number(wall),
      cpuMs: timesValue(user!) + timesValue(system!),
      text: await capture([]),
      styledText: await capture(["-e"]),
    };
  } finally {
    await tmux(["kill-server"]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
