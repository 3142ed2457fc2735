/**
 * Choosing and creating the renderer of a run: the live Ink view on a terminal, plain lines when
 * output is piped, in CI or on a dumb terminal, and JSON lines with `--json`.
 */

import type { EventSink } from "../pipeline/events.js";
import { createInkThreadRenderer } from "./ink/ink-thread-renderer.js";
import { createJsonRenderer } from "./json-renderer.js";
import { createPlainRenderer } from "./plain-renderer.js";

/** Something that shows a run's events. */
export interface Renderer {
  /** Receives the run's events, in order. */
  sink: EventSink;
  /** Resolves once everything received has been written out; call it after the last event. */
  close(): Promise<void>;
}

/** The ways a run can be shown. */
export type RenderMode = "ink" | "plain" | "json";

/** Options of {@link createRenderer}. */
export interface RendererOptions {
  mode: RenderMode;
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Where Ink writes stray stderr output (default `process.stderr`); the other modes do not use it. */
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Show debug logs and the stacks of bugs. */
  verbose: boolean;
  /** Use colours (ignored by the json mode). */
  color: boolean;
}

/**
 * Creates the renderer for `options.mode`. Ink (and React) are loaded only for the live view, and
 * on its own thread: they take half a second to load, which plain and JSON runs (CI, scripts, a
 * rerun's quick check) skip, and which the live view spends while the run goes on.
 */
export async function createRenderer(options: RendererOptions): Promise<Renderer> {
  const { stdout, stderr, verbose, color } = options;
  switch (options.mode) {
    case "ink":
      // On a thread of its own: Ink loads, and the view draws, while the run goes on.
      return createInkThreadRenderer({ stdout, verbose, color, ...(stderr === undefined ? {} : { stderr }) });
    case "plain":
      return createPlainRenderer({ stdout, verbose, color });
    case "json":
      return createJsonRenderer({ stdout, verbose });
  }
}

/** Whether a CI variable is set, by the rule Ink itself uses (present, and neither `0` nor `false`). */
function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "0" && value !== "false";
}

/**
 * The mode for a run: `json` when asked for; `ink` only when stdout is a terminal and neither CI
 * (`CI` or `CONTINUOUS_INTEGRATION`) nor `TERM=dumb` is set; `plain` otherwise.
 */
export function chooseMode(input: { json: boolean; stdout: { isTTY?: boolean }; env: NodeJS.ProcessEnv }): RenderMode {
  const { json, stdout, env } = input;
  if (json) return "json";
  const ci = isSet(env["CI"]) || isSet(env["CONTINUOUS_INTEGRATION"]);
  if (stdout.isTTY === true && !ci && env["TERM"] !== "dumb") return "ink";
  return "plain";
}

/**
 * Whether to use colours. `NO_COLOR` set to anything non-empty turns them off, whatever else is
 * set; otherwise `FORCE_COLOR` turns them on (even when piped) unless it is `0` or `false`, which
 * turns them off; otherwise colours are on for a terminal that is not `TERM=dumb`.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  const noColor = env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return false;
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  return isTTY === true && env["TERM"] !== "dumb";
}
