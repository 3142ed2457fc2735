/**
 * The renderer a command's events go to: Ink on a terminal, plain lines otherwise, JSON with
 * --json.
 */
import { chooseMode, colorEnabled, createRenderer, type Renderer } from "../ui/renderer.js";
import type { EventSink } from "../pipeline/events.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { reportError, type GlobalOptions } from "./output.js";

/** A renderer for this process's stdout. */
export async function eventRenderer(options: GlobalOptions): Promise<Renderer> {
  const mode = chooseMode({ json: Boolean(options.json), stdout: process.stdout, env: process.env });
  return createRenderer({
    mode,
    stdout: process.stdout,
    stderr: process.stderr,
    verbose: Boolean(options.verbose),
    color: colorEnabled(process.env, process.stdout.isTTY),
  });
}

/**
 * Runs a command that emits events (up, start, verify): its events rendered, Ctrl-C (SIGINT) or
 * SIGTERM aborting it cleanly, the exit code 0 when it ended green and 1 when not, and an error
 * reported as the other commands report theirs.
 */
export async function runRendered(options: GlobalOptions, run: (sink: EventSink, signal: AbortSignal) => Promise<{ ok: boolean }>): Promise<void> {
  const renderer = await eventRenderer(options);
  const controller = runAbortController();
  const onSignal = (): void => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await run(renderer.sink, controller.signal);
    await renderer.close();
    process.exitCode = result.ok ? 0 : 1;
  } catch (error) {
    await renderer.close();
    process.exitCode = reportError(error, options);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
