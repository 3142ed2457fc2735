/**
 * The live view on a thread of its own. Ink and React load (most of a second of compiling), and
 * every frame is laid out and written, on a worker thread that draws straight to the terminal;
 * the run's own thread only posts it the events. The view then takes nothing from the thread that
 * drives the lab (its Docker calls, its waits, its checks), which is what `lab up`'s time depends on.
 */

import type { WriteStream } from "node:tty";
import { Worker } from "node:worker_threads";
import type { LabEvent } from "../../pipeline/events.js";
import type { Renderer } from "../renderer.js";

/** What the view's thread is started with. */
export interface InkThreadData {
  /** The terminal's file descriptor the view draws on. */
  stdoutFd: number;
  /** The file descriptor of stderr when it is a terminal too (Ink's stray output goes there). */
  stderrFd?: number;
  verbose: boolean;
  color: boolean;
}

/** A message to the view's thread. */
export type ToInkThread =
  | { type: "event"; event: LabEvent }
  | { type: "resize"; columns: number; rows: number }
  | { type: "close" };

/** A message from the view's thread. */
export type FromInkThread = { type: "closed" } | { type: "failed"; message: string; stack?: string };

/** Options of {@link createInkThreadRenderer}. */
export interface InkThreadRendererOptions {
  /** The terminal (a TTY stream with a file descriptor). */
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  verbose: boolean;
  color: boolean;
}

/** The file descriptor of a TTY stream, or undefined when it is not one. */
function ttyFd(stream: NodeJS.WriteStream | NodeJS.WritableStream | undefined): number | undefined {
  const tty = stream as { isTTY?: boolean; fd?: unknown } | undefined;
  return tty?.isTTY === true && typeof tty.fd === "number" ? tty.fd : undefined;
}

/**
 * Starts the view's thread on `options.stdout`'s terminal. Events are posted to it in order (those
 * posted while it loads wait in its queue); the terminal's size changes are passed on; `close()`
 * resolves once the thread has drawn the final frame and stopped, and rejects if it failed.
 */
export function createInkThreadRenderer(options: InkThreadRendererOptions): Renderer {
  const stdoutFd = ttyFd(options.stdout);
  if (stdoutFd === undefined) throw new Error("bug: the live view needs stdout to be a terminal");
  const stderrFd = ttyFd(options.stderr);
  const data: InkThreadData = { stdoutFd, verbose: options.verbose, color: options.color, ...(stderrFd === undefined ? {} : { stderrFd }) };
  const worker = new Worker(new URL("./ink-thread.js", import.meta.url), { workerData: data });
  const post = (message: ToInkThread): void => worker.postMessage(message);
  const terminal = options.stdout as WriteStream;
  const onResize = (): void => post({ type: "resize", columns: terminal.columns, rows: terminal.rows });
  terminal.on("resize", onResize);
  const closed = new Promise<void>((resolve, reject) => {
    worker.on("message", (message: FromInkThread) => {
      if (message.type === "closed") resolve();
      else reject(Object.assign(new Error(`the live view failed: ${message.message}`), { stack: message.stack }));
    });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`the live view's thread stopped early (exit code ${code})`)));
  });
  // Observed here so that a failure before close() is not an unhandled rejection; close() reports it.
  closed.catch(() => undefined);
  return {
    sink: (event) => post({ type: "event", event }),
    async close() {
      post({ type: "close" });
      try {
        await closed;
      } finally {
        terminal.off("resize", onResize);
        await worker.terminate();
      }
    },
  };
}
