/**
 * An exec with a TTY attached to this process's terminal, through the engine's API (what
 * `docker exec -it` does, without the docker CLI): the terminal in raw mode so that every key
 * (Ctrl-C, Ctrl-D, arrows) reaches the node, the node's output written as it comes, the exec's
 * TTY resized with the terminal, and the terminal put back as it was when the exec ends.
 */
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import type { Terminal } from "../provider.js";

/** How long to wait for the engine to record the exit code once the exec's stream has ended. */
const EXIT_CODE_WAIT_MS = 5_000;

/** Starts `exec` (created with Tty and every stream attached) on `terminal`; resolves with its exit code. */
export async function attachTerminal(exec: Docker.Exec, terminal: Terminal): Promise<number> {
  const { stdin, stdout } = terminal;
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const resize = (): void => {
    if (stdout.rows > 0 && stdout.columns > 0) exec.resize({ h: stdout.rows, w: stdout.columns }).catch(() => undefined);
  };
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  stdin.pipe(stream);
  stream.pipe(stdout, { end: false });
  stdout.on("resize", resize);
  resize();
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", reject);
    });
  } finally {
    stdout.off("resize", resize);
    stdin.unpipe(stream);
    stdin.setRawMode(wasRaw);
    stdin.pause();
    stream.destroy();
  }
  return exitCode(exec);
}

/** The exec's exit code, once the engine has it (-1 when it never says). */
async function exitCode(exec: Docker.Exec): Promise<number> {
  const deadline = Date.now() + EXIT_CODE_WAIT_MS;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running || Date.now() > deadline) return info.ExitCode ?? -1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
