/**
 * `--json`: every event as one JSON object per line on stdout, and nothing else there, so the
 * stream can be piped into `jq` or read by another program.
 */

import type { LabEvent } from "../pipeline/events.js";
import { flushStream } from "./flush-stream.js";
import type { Renderer } from "./renderer.js";

/** Options of {@link createJsonRenderer}. */
export interface JsonRendererOptions {
  stdout: NodeJS.WritableStream;
  /** Keep the stacks of bugs in error objects; without it they are dropped. */
  verbose: boolean;
}

/** The event without the stack of its error, if it has one. */
function withoutStack(event: LabEvent): LabEvent {
  if (!("error" in event) || event.error?.stack === undefined) return event;
  const { stack: _dropped, ...error } = event.error;
  return { ...event, error };
}

/** Renders events as JSON lines on `options.stdout`. */
export function createJsonRenderer(options: JsonRendererOptions): Renderer {
  const { stdout, verbose } = options;
  const sink = (event: LabEvent): void => {
    stdout.write(`${JSON.stringify(verbose ? event : withoutStack(event))}\n`);
  };
  return { sink, close: () => flushStream(stdout) };
}
