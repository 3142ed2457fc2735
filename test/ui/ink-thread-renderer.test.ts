/**
 * The live view as the CLI creates it (the built renderer, `createRenderer` in ink mode), on a real
 * terminal (a tmux pane): drawn from its own thread, with events posted while it loads kept in
 * order, the final frame drawn before `close()` resolves (so what the CLI writes next comes after
 * it), and a clean refusal of a stdout that is not a terminal.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runInTerminal } from "../../src/bench/terminal-run.js";
import { packagePath } from "../../src/package-root.js";

const hasTmux = (await execa("tmux", ["-V"], { reject: false })).exitCode === 0;
if (!hasTmux) console.warn("\n  SKIPPED the live view's thread tests: tmux is not installed. They did NOT run.\n");

/** A script that renders a small run with the built renderer, then writes a line of its own. */
const script = `
import { createRenderer } from ${JSON.stringify(pathToFileURL(packagePath("dist", "ui", "renderer.js")).href)};
const r = await createRenderer({ mode: "ink", stdout: process.stdout, stderr: process.stderr, verbose: false, color: false });
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
r.sink({ type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "nodes", title: "Creating nodes" }, { id: "checks", title: "Checking the cluster" }] });
r.sink({ type: "step-start", step: "nodes", title: "Creating nodes" });
r.sink({ type: "task-start", step: "nodes", node: "node1" });
await pause(800);
r.sink({ type: "task-end", step: "nodes", node: "node1", status: "ok", durationMs: 700 });
r.sink({ type: "step-end", step: "nodes", status: "ok", durationMs: 800 });
r.sink({ type: "step-start", step: "checks", title: "Checking the cluster" });
r.sink({ type: "check", result: { check: "nodes-ready", title: "Nodes are Ready", node: "node1", status: "pass", ran: "kubectl get nodes", saw: "Ready", durationMs: 3 } });
r.sink({ type: "step-end", step: "checks", status: "ok", durationMs: 5 });
r.sink({ type: "run-end", status: "ok", durationMs: 900, next: ["lab verify basic"] });
await r.close();
process.stdout.write("written after close\\n");
`;

describe.skipIf(!hasTmux)("the live view's thread", () => {
  it("draws the run on the terminal, and is done drawing when close() resolves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-thread-"));
    const file = join(dir, "render.mjs");
    await writeFile(file, script);
    const run = await runInTerminal([process.execPath, file], { env: process.env, columns: 100, rows: 30 }).finally(() => rm(dir, { recursive: true, force: true }));
    expect(run.exitCode, run.text).toBe(0);
    const text = run.text.trimEnd();
    expect(text).toContain("lab basic: up (provider: docker)\n ✓ Creating nodes (800ms)\n     ✓ node1 (700ms)\n ✓ Checking the cluster (5ms)\n");
    expect(text).toMatch(/^ {3}CHECK +NODE +RESULT +SEEN\n {3}nodes-ready +node1 +PASS +Ready$/m);
    // Ink ends its last frame with a blank line; the CLI's own output comes after it.
    expect(text).toContain("checks: 1 passed\n\n ✓ done in 900ms\nnext:\n  lab verify basic\n\nwritten after close");
    expect(text.endsWith("written after close")).toBe(true);
    expect(text).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it("refuses a stdout that is not a terminal (the CLI picks the plain printer then)", async () => {
    const refuse = `
import { createRenderer } from ${JSON.stringify(pathToFileURL(packagePath("dist", "ui", "renderer.js")).href)};
await createRenderer({ mode: "ink", stdout: process.stdout, verbose: false, color: false }).catch((e) => { console.error(e.message); process.exit(3); });
`;
    const r = await execa(process.execPath, ["--input-type=module", "-e", refuse], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("bug: the live view needs stdout to be a terminal");
  });
});
