import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { chooseMode, colorEnabled, createRenderer, type RenderMode } from "../../src/ui/renderer.js";

describe("chooseMode", () => {
  it.each<[string, boolean, boolean | undefined, NodeJS.ProcessEnv, RenderMode]>([
    ["json when asked, even on a terminal", true, true, {}, "json"],
    ["json when asked, when piped", true, undefined, { CI: "true" }, "json"],
    ["ink on a terminal", false, true, { TERM: "xterm-256color" }, "ink"],
    ["plain when piped", false, false, {}, "plain"],
    ["plain when isTTY is unknown", false, undefined, {}, "plain"],
    ["plain in CI", false, true, { CI: "true" }, "plain"],
    ["plain in CI with CI set to anything", false, true, { CI: "1" }, "plain"],
    ["plain with CI set but empty (as Ink sees it)", false, true, { CI: "" }, "plain"],
    ["plain with CONTINUOUS_INTEGRATION", false, true, { CONTINUOUS_INTEGRATION: "yes" }, "plain"],
    ["ink with CI=false", false, true, { CI: "false" }, "ink"],
    ["ink with CI=0", false, true, { CI: "0" }, "ink"],
    ["plain on a dumb terminal", false, true, { TERM: "dumb" }, "plain"],
  ])("%s", (_name, json, isTTY, env, mode) => {
    expect(chooseMode({ json, stdout: isTTY === undefined ? {} : { isTTY }, env })).toBe(mode);
  });
});

describe("colorEnabled", () => {
  it.each<[string, NodeJS.ProcessEnv, boolean | undefined, boolean]>([
    ["on for a terminal", {}, true, true],
    ["off when piped", {}, false, false],
    ["off when isTTY is unknown", {}, undefined, false],
    ["off on a dumb terminal", { TERM: "dumb" }, true, false],
    ["off with NO_COLOR=1", { NO_COLOR: "1" }, true, false],
    ["off with NO_COLOR=0 (any non-empty value)", { NO_COLOR: "0" }, true, false],
    ["on with NO_COLOR empty", { NO_COLOR: "" }, true, true],
    ["on with FORCE_COLOR when piped", { FORCE_COLOR: "1" }, false, true],
    ["on with FORCE_COLOR empty when piped", { FORCE_COLOR: "" }, false, true],
    ["on with FORCE_COLOR on a dumb terminal", { FORCE_COLOR: "3", TERM: "dumb" }, false, true],
    ["off with FORCE_COLOR=0 on a terminal", { FORCE_COLOR: "0" }, true, false],
    ["off with FORCE_COLOR=false on a terminal", { FORCE_COLOR: "false" }, true, false],
    ["off when NO_COLOR and FORCE_COLOR are both set", { NO_COLOR: "1", FORCE_COLOR: "1" }, true, false],
  ])("%s", (_name, env, isTTY, enabled) => {
    expect(colorEnabled(env, isTTY)).toBe(enabled);
  });
});

describe("createRenderer", () => {
  /** Renders one step in `mode` and returns the output. */
  async function renderStep(mode: "plain" | "json"): Promise<string> {
    const chunks: string[] = [];
    const stdout = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    const renderer = await createRenderer({ mode, stdout, verbose: false, color: false });
    renderer.sink({ type: "step-start", step: "nodes", title: "Creating nodes" });
    await renderer.close();
    return chunks.join("");
  }

  it("creates the renderer of the mode", async () => {
    expect(await renderStep("plain")).toBe(" • Creating nodes ...\n");
    expect(await renderStep("json")).toBe('{"type":"step-start","step":"nodes","title":"Creating nodes"}\n');
  });
});
