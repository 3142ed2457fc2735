/**
 * `lab graph` run as a user runs it (the built CLI): the drawing by default (80 columns and no
 * colours when stdout is not a terminal; the terminal's width and colours, unless NO_COLOR, on a
 * real one), the Mermaid text with --mermaid, the graph's data with --json, and usage errors with
 * exit code 2.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInTerminal } from "../../src/bench/terminal-run.js";
import type { LabGraph } from "../../src/graph/lab-graph.js";
import { mermaidGraph } from "../../src/graph/mermaid.js";
import { drawGraph } from "../../src/graph/terminal-drawing.js";
import { createPalette } from "../../src/ui/ansi.js";
import { packagePath } from "../../src/package-root.js";
import { lab } from "../e2e/support.js";
import { graphCases } from "./graph-cases.js";

let env: NodeJS.ProcessEnv;
const hasTmux = (await execa("tmux", ["-V"], { reject: false })).exitCode === 0;
if (!hasTmux) console.warn("\n  SKIPPED the lab graph test on a real terminal: tmux is not installed. It did NOT run.\n");
const haEtcd = graphCases().find((c) => c.id === "ha-etcd")!.graph;

beforeAll(async () => {
  // An empty state home: no lab exists, so each is planned from its file. Nothing turns colours off but the pipe.
  env = { ...process.env, KUBELAB_HOME: await mkdtemp(join(tmpdir(), "kubelab-graph-cli-")) };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
});

afterAll(async () => {
  await rm(env.KUBELAB_HOME!, { recursive: true, force: true });
});

describe("lab graph", () => {
  it("draws a lab in 80 columns without colours when stdout is not a terminal", async () => {
    const r = await lab(["graph", "ha-etcd"], env);
    expect(r.exitCode, r.all).toBe(0);
    // execa drops the final newline.
    expect(`${r.stdout}\n`).toBe(drawGraph(haEtcd, { width: 80, style: createPalette(false) }));
    expect(r.stdout).not.toMatch(/\u001B/);
  });

  it.skipIf(hasTmux === false)("draws in the terminal's width, with colours unless NO_COLOR is set, on a real terminal", async () => {
    const argv = [process.execPath, packagePath("dist", "cli", "main.js"), "graph", "ha-etcd"];
    const run = await runInTerminal(argv, { env, columns: 60, rows: 80 });
    expect(run.exitCode, run.text).toBe(0);
    expect(run.text).toBe(`${drawGraph(haEtcd, { width: 60, style: createPalette(false) })}`.padEnd(run.text.length, "\n"));
    expect(run.styledText).toMatch(/\u001B\[[0-9;]*m/);
    const noColor = await runInTerminal(argv, { env: { ...env, NO_COLOR: "1" }, columns: 60, rows: 80 });
    expect(noColor.styledText).not.toMatch(/\u001B/);
    expect(noColor.text).toBe(run.text);
  });

  it("prints the Mermaid text with --mermaid", async () => {
    const r = await lab(["graph", "ha-etcd", "--mermaid"], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(`${r.stdout}\n`).toBe(mermaidGraph(haEtcd));
  });

  it("prints the graph's data as one JSON object with --json, also for a lab file given by path", async () => {
    const r = await lab(["graph", join("labs", "ha-etcd.yaml"), "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const graph = JSON.parse(r.stdout) as LabGraph;
    expect(graph).toEqual(JSON.parse(JSON.stringify(haEtcd)));
    expect(graph.nodes.map((n) => n.name)).toEqual(["lb", "etcd1", "etcd2", "controller1", "controller2", "worker1", "worker2"]);
  });

  it("refuses --mermaid with --json, and a lab there is no file for, with exit code 2", async () => {
    const both = await lab(["graph", "ha-etcd", "--mermaid", "--json"], env);
    expect(both.exitCode).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ type: "error", exitCode: 2, error: { message: "failed to show the graph: --mermaid and --json cannot be used together" } });
    const missing = await lab(["graph", "no-such-lab"], env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("error: failed to find lab no-such-lab");
    expect(missing.stderr).toContain("hint: looked for");
    const noArgument = await lab(["graph"], env);
    expect(noArgument.exitCode).toBe(2);
  });
});
