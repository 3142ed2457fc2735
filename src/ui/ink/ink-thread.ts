/**
 * The live view's thread (started by `ink-thread-renderer.ts`): the Ink view drawn straight on the
 * terminal's file descriptor, fed with the events the run's thread posts.
 */

import { WriteStream } from "node:tty";
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../../errors.js";
import { createInkRenderer } from "./ink-renderer.js";
import type { FromInkThread, InkThreadData, ToInkThread } from "./ink-thread-renderer.js";

const port = parentPort;
if (port === null) throw new Error("bug: ink-thread.js is run as a worker thread only");
const { stdoutFd, stderrFd, verbose, color } = workerData as InkThreadData;
const stdout = new WriteStream(stdoutFd);
const renderer = createInkRenderer({ stdout, verbose, color, ...(stderrFd === undefined ? {} : { stderr: new WriteStream(stderrFd) }) });
const reply = (message: FromInkThread): void => port.postMessage(message);

port.on("message", (message: ToInkThread) => {
  switch (message.type) {
    case "event":
      renderer.sink(message.event);
      return;
    case "resize":
      // Signals reach the main thread only: it passes the terminal's new size on.
      stdout.columns = message.columns;
      stdout.rows = message.rows;
      stdout.emit("resize");
      return;
    case "close":
      renderer.close().then(
        () => reply({ type: "closed" }),
        (error: unknown) => reply({ type: "failed", message: errorMessage(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) }),
      );
      return;
  }
});
