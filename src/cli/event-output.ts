/**
 * The renderer a command's events go to: Ink on a terminal, plain lines otherwise, JSON with
 * --json.
 */
import { chooseMode, colorEnabled, createRenderer, type Renderer } from "../ui/renderer.js";
import type { GlobalOptions } from "./output.js";

/** A renderer for this process's stdout. */
export function eventRenderer(options: GlobalOptions): Renderer {
  const mode = chooseMode({ json: Boolean(options.json), stdout: process.stdout, env: process.env });
  return createRenderer({
    mode,
    stdout: process.stdout,
    stderr: process.stderr,
    verbose: Boolean(options.verbose),
    color: colorEnabled(process.env, process.stdout.isTTY),
  });
}
