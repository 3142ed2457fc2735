/**
 * End to end, in a real terminal (a tmux pane): `lab up PATH.yaml` of a copy of coreos-single is
 * drawn by the Ink view (not the plain printer: stdout is a TTY and CI is not set), and the screen
 * it leaves shows every step with its tick and duration, the node's rows under the steps that ran
 * on it, the checks table and the total time, without a colour under NO_COLOR. Then the lab's
 * `--json` streams (`lab up` again, `lab verify`, and a failing `lab up`) are validated line by
 * line against the published schema/events.schema.json with a real JSON Schema validator (Ajv),
 * `lab graph` draws the lab from its state, and `lab down` leaves nothing labelled for it.
 */
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInTerminal, type TerminalRun } from "../../src/bench/terminal-run.js";
import type { LabGraph } from "../../src/graph/lab-graph.js";
import { buildUpPipeline } from "../../src/pipeline/build-pipeline.js";
import type { CheckResult } from "../../src/pipeline/events.js";
import { stageSteps } from "../../src/pipeline/step.js";
import { packagePath } from "../../src/package-root.js";
import { eventSchemaErrors } from "../pipeline/events-validator.js";
import { E2E_REQUIRED, e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labContext, labelled, labFileCopy } from "./support.js";

const NAME = "terminal-test";

/** Why the suite cannot run here: the usual blockers, or no tmux to be the terminal. */
async function skipReason(): Promise<string | undefined> {
  const blocker = await e2eSkipReason("terminal");
  if (blocker) return blocker;
  const tmux = await execa("tmux", ["-V"], { reject: false });
  if (tmux.exitCode === 0) return undefined;
  const reason = "tmux is not installed (it is the terminal these tests run lab up in)";
  if (E2E_REQUIRED) throw new Error(`end-to-end tests are required (KUBELAB_E2E=required) but cannot run: ${reason}`);
  console.warn(`\n  SKIPPED end-to-end suite "terminal": ${reason}. These tests did NOT run.\n`);
  return reason;
}

const skip = await skipReason();

/** A duration as the view prints it: 850ms, 1.2s, 1m05s. */
const DURATION = String.raw`\d+ms|\d+\.\d+s|\d+m\d\ds`;
/** The frames of the spinner the view draws for running steps. */
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** Every line of a `--json` run's stdout, parsed, after checking it is one JSON object per line. */
function eventLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.trim().split("\n");
  const events = jsonLines(stdout);
  expect(events, "every line of --json output is a JSON object").toHaveLength(lines.length);
  return events;
}

/** Asserts every line validates against the published schema. */
function expectSchemaValid(events: readonly unknown[]): void {
  for (const event of events) expect(eventSchemaErrors(event), JSON.stringify(event)).toBe("");
}

describe.skipIf(skip)("lab up in a real terminal", () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  let run: TerminalRun;

  beforeAll(async () => {
    env = await isolatedEnv();
    file = await labFileCopy("coreos-single", NAME);
    await importTestArtifacts(env);
    // As a person runs it: no CI (it would choose the plain printer), NO_COLOR kept from isolatedEnv.
    const terminalEnv = { ...env };
    delete terminalEnv.CI;
    delete terminalEnv.CONTINUOUS_INTEGRATION;
    run = await runInTerminal([process.execPath, packagePath("dist", "cli", "main.js"), "up", file], { env: terminalEnv, columns: 120, rows: 50, timeoutMs: 300_000 });
  }, 330_000);

  afterAll(async () => {
    // Whatever happened above, leave nothing behind: the lab, its state home, its lab file.
    if (env) await lab(["down", NAME], env);
    if (env?.KUBELAB_HOME) await rm(env.KUBELAB_HOME, { recursive: true, force: true });
    if (file) await rm(dirname(file), { recursive: true, force: true });
  }, 60_000);

  it("brings the lab up from its file's path, drawn by the Ink view", () => {
    expect(run.exitCode, run.text).toBe(0);
    expect(run.text).toContain(`lab ${NAME}: up (provider: docker)`);
    // The plain printer announces each step with a bullet; the Ink view draws a spinner instead.
    expect(run.text).not.toMatch(/^ • /m);
    // Nothing of the live area is left once the run has ended.
    expect(run.text).not.toMatch(SPINNER);
    console.info(`  lab up ${NAME} in a terminal: ${(run.wallMs / 1000).toFixed(1)}s; its screen:\n${run.text.trimEnd()}`);
  });

  it("shows every step once, with its tick and duration, and the node's row under the steps that ran on it", async () => {
    const { plan } = await labContext(NAME, env);
    const titles = buildUpPipeline(plan).flatMap(stageSteps).map((step) => step.title);
    expect(titles.length).toBeGreaterThanOrEqual(10);
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const title of titles) {
      expect(run.text, title).toMatch(new RegExp(`^ ✓ ${escape(title)} \\((${DURATION})\\)$`, "m"));
      expect(run.text.split(`✓ ${title} (`).length - 1, `${title} is shown once`).toBe(1);
    }
    // Steps that run per node: a row for core1 under the step's row.
    for (const title of ["Creating nodes", "Starting etcd"]) {
      expect(run.text).toMatch(new RegExp(`^ ✓ ${escape(title)} \\((${DURATION})\\)\\n {5}✓ core1 \\((${DURATION})\\)$`, "m"));
    }
    const nodeRows = run.text.split("\n").filter((line) => /^ {5}✓ core1 \(/.test(line));
    expect(nodeRows.length).toBeGreaterThanOrEqual(4);
  });

  it("ends with the checks table (check, node, result, what was seen) and the total time", () => {
    expect(run.text).toMatch(/^ {3}CHECK +NODE +RESULT +SEEN$/m);
    for (const check of ["etcd-health", "etcd-version", "apiserver-health", "cluster-info", "component-statuses", "nodes-ready", "pod-logs", "cluster-ip-service"]) {
      expect(run.text, check).toMatch(new RegExp(`^ {3}${check} +core1 +PASS +\\S`, "m"));
    }
    // kubelet's clusterDNS is checked without a DNS server; CoreDNS's image cannot be had here: the
    // lookups then say so, and are never counted as passed.
    expect(run.text).toMatch(/^ {3}dns +core1 +PASS +kubelet gives pods the DNS server/m);
    expect(run.text).toMatch(/^ {3}dns +\S+ +(PASS|NOT RUN) +\S/m);
    expect(run.text).toMatch(/^checks: (10 passed|9 passed, 1 not run)$/m);
    expect(run.text).toMatch(new RegExp(`^ ✓ done in (${DURATION})$`, "m"));
    expect(run.text).toMatch(/^next:$/m);
  });

  it("writes no colour with NO_COLOR set, on a terminal", () => {
    // The pane's cells as tmux holds them, with their attributes: none has a colour.
    expect(run.styledText).not.toMatch(/\u001B\[[0-9;]*(3[0-7]|9[0-7]|38;)[0-9;]*m/);
    expect(run.styledText).toContain("✓ done in");
  });

  it("streams lab up --json as events the published schema accepts", async () => {
    const r = await lab(["up", file, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const events = eventLines(r.stdout);
    expectSchemaValid(events);
    expect(events[0]).toMatchObject({ type: "run-start", lab: NAME, command: "up" });
    expect(events.at(-1)).toMatchObject({ type: "run-end", status: "ok" });
    const types = new Set(events.map((e) => e.type));
    for (const type of ["step-start", "step-end", "check"]) expect(types, type).toContain(type);
  });

  it("streams lab verify --json as events the published schema accepts", async () => {
    const r = await lab(["verify", NAME, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const events = eventLines(r.stdout);
    expectSchemaValid(events);
    const checks = events.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
    expect(checks.filter((c) => c.check !== "dns").map((c) => c.status)).toEqual(checks.filter((c) => c.check !== "dns").map(() => "pass"));
    expect(checks.length).toBeGreaterThanOrEqual(9);
  });

  it("prints the error of a lab up that fails on its file as a line the published schema accepts", async () => {
    const r = await lab(["up", packagePath("test", "fixtures", "labs", "invalid-many.yaml"), "--json"], env);
    expect(r.exitCode).toBe(2);
    const events = eventLines(r.stdout);
    expectSchemaValid(events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", exitCode: 2, problems: expect.any(Array) });
  });

  it("graphs the lab from its state: the node's address and pod subnet as the lab has them", async () => {
    const { plan } = await labContext(NAME, env);
    const r = await lab(["graph", NAME, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const graph = JSON.parse(r.stdout) as LabGraph;
    expect(graph.network).toMatchObject({ nodeSubnet: plan.network.nodeSubnet, nodeSubnetSource: "state" });
    expect(graph.nodes).toEqual([{ name: "core1", roles: ["etcd", "controlplane", "worker"], ip: plan.nodes[0]!.ip, podSubnet: "10.2.0.0/24", podSubnetSource: "plan" }]);
    const drawing = await lab(["graph", NAME], env);
    expect(drawing.stdout).toContain(`│ ${plan.nodes[0]!.ip} `);
    expect(drawing.stdout).not.toContain("addresses as if on");
  });

  it("is removed by lab down, leaving nothing labelled for it", async () => {
    const r = await lab(["down", NAME], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
