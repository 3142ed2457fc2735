import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ErrorInfo, LabEvent } from "../../src/pipeline/events.js";
import { createPlainRenderer } from "../../src/ui/plain-renderer.js";

/** A writable that keeps what is written to it. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** Feeds `events` to a plain renderer and returns what it wrote. */
async function renderPlain(events: LabEvent[], options: { verbose?: boolean; color?: boolean } = {}): Promise<string> {
  const out = capture();
  const renderer = createPlainRenderer({ stdout: out.stream, verbose: options.verbose ?? false, color: options.color ?? false });
  for (const event of events) renderer.sink(event);
  await renderer.close();
  return out.text();
}

const etcdError: ErrorInfo = {
  message: "etcd did not become healthy on node2",
  hint: "Look at the etcd journal below; a wrong --initial-cluster is the usual cause.",
  command: "etcdctl endpoint health",
  where: "node2",
  output: "context deadline exceeded\nunhealthy",
  journal: [{ node: "node2", unit: "etcd", lines: ["member abc is unreachable", "raft: no leader"] }],
  stack: "Error: timeout\n    at waitHealthy (etcd.ts:10:5)",
};

const run: LabEvent[] = [
  { type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "nodes", title: "Creating nodes" }] },
  { type: "step-start", step: "nodes", title: "Creating nodes" },
  { type: "task-start", step: "nodes", node: "node1" },
  { type: "task-start", step: "nodes", node: "node2", title: "worker" },
  { type: "progress", step: "nodes", node: "node1", message: "pulling image", done: 1, total: 3 },
  { type: "progress", step: "nodes", node: "node1", message: "pulling image", done: 2, total: 3 },
  { type: "progress", step: "nodes", node: "node1", message: "booting" },
  { type: "task-end", step: "nodes", node: "node1", status: "ok", durationMs: 800 },
  { type: "task-end", step: "nodes", node: "node2", status: "ok", durationMs: 850 },
  { type: "log", level: "warn", message: "swap is enabled", node: "node1" },
  { type: "log", level: "info", message: "nodes are up" },
  { type: "log", level: "debug", message: "container ids: a, b" },
  { type: "step-end", step: "nodes", status: "ok", durationMs: 1200 },
  { type: "step-start", step: "etcd", title: "Starting etcd" },
  { type: "task-start", step: "etcd", node: "node2" },
  { type: "task-end", step: "etcd", node: "node2", status: "failed", durationMs: 3000, error: etcdError },
  { type: "step-end", step: "etcd", status: "failed", durationMs: 3400, error: etcdError },
  {
    type: "check",
    result: { check: "node-ready", title: "Nodes are Ready", node: "node1", status: "pass", ran: "kubectl get node", saw: "Ready\nmore", durationMs: 5 },
  },
  {
    type: "check",
    result: {
      check: "etcd-health",
      title: "etcd is healthy",
      node: "node2",
      status: "fail",
      ran: "etcdctl endpoint health",
      saw: "unhealthy",
      reason: "1 of 1 endpoints unhealthy",
      hint: "Restart etcd.",
      durationMs: 5,
    },
  },
  {
    type: "check",
    result: { check: "dns", title: "DNS resolves", status: "not-run", ran: "dig", saw: "", reason: "CoreDNS is not deployed", durationMs: 0 },
  },
  {
    type: "diagnosis",
    diagnosis: {
      diagnosis: "etcd-peer-tls",
      title: "etcd members that cannot reach each other over peer TLS",
      node: "node2",
      found: "etcd on node2 cannot reach node1 over peer TLS",
      fix: "check --peer-cert-file",
      ran: "curl https://node1:2380/version",
    },
  },
  { type: "run-end", status: "failed", durationMs: 65_000, error: etcdError, next: ["lab logs node2 etcd", "lab down"] },
];

const expected = [
  "lab basic: up (provider: docker)",
  " • Creating nodes ...",
  "     node1: pulling image (1/3)",
  "     node1: booting",
  "     ✓ node1 (800ms)",
  "     ✓ node2: worker (850ms)",
  "WARNING: node1: swap is enabled",
  "nodes are up",
  " ✓ Creating nodes (1.2s)",
  " • Starting etcd ...",
  "     ✗ node2 (3.0s)",
  "       ERROR: etcd did not become healthy on node2",
  "       hint: Look at the etcd journal below; a wrong --initial-cluster is the usual cause.",
  "       command (on node2): etcdctl endpoint health",
  "         context deadline exceeded",
  "         unhealthy",
  "       journal of etcd on node2:",
  "         member abc is unreachable",
  "         raft: no leader",
  " ✗ Starting etcd (3.4s)",
  "   PASS  node-ready  node1  Ready",
  "   FAIL  etcd-health  node2  unhealthy",
  "     1 of 1 endpoints unhealthy",
  "     hint: Restart etcd.",
  "   NOT RUN  dns  CoreDNS is not deployed",
  "   cause: etcd members that cannot reach each other over peer TLS (on node2)",
  "     found: etcd on node2 cannot reach node1 over peer TLS",
  "     fix: check --peer-cert-file",
  "",
  "checks: 1 passed, 1 failed, 1 not run",
  " ✗ failed after 1m05s",
  "next:",
  "  lab logs node2 etcd",
  "  lab down",
  "",
].join("\n");

describe("createPlainRenderer", () => {
  it("prints one line per event worth a line, errors once, and a summary", async () => {
    expect(await renderPlain(run)).toBe(expected);
  });

  it("prints debug logs and stacks only when verbose", async () => {
    const quiet = await renderPlain(run);
    expect(quiet).not.toContain("debug:");
    expect(quiet).not.toContain("waitHealthy");

    const verbose = await renderPlain(run, { verbose: true });
    expect(verbose).toContain("debug: container ids: a, b\n");
    expect(verbose).toContain("       stack:\n         Error: timeout\n             at waitHealthy (etcd.ts:10:5)\n");
  });

  it("prints a run error it has not shown yet before the summary, at the left margin", async () => {
    const text = await renderPlain([
      { type: "run-end", status: "failed", durationMs: 10, error: { message: "docker is not running", hint: "Start Docker." } },
    ]);
    expect(text).toBe(["", "ERROR: docker is not running", "hint: Start Docker.", " ✗ failed after 10ms", ""].join("\n"));
  });

  it("ends a successful run without checks with its outcome only", async () => {
    expect(await renderPlain([{ type: "run-end", status: "ok", durationMs: 1500 }])).toBe("\n ✓ done in 1.5s\n");
  });

  it("uses ANSI colours only when colour is on", async () => {
    const ansi = /\u001B\[\d+m/;
    expect(await renderPlain(run, { color: false })).not.toMatch(ansi);

    const colored = await renderPlain(run, { color: true });
    expect(colored).toContain("\u001B[32m✓\u001B[39m Creating nodes (1.2s)");
    expect(colored).toContain("\u001B[31m✗\u001B[39m Starting etcd (3.4s)");
    expect(colored).toContain("\u001B[33mWARNING: node1: swap is enabled\u001B[39m");
    expect(colored).toContain("\u001B[32mPASS\u001B[39m");
    expect(colored).toContain("\u001B[31mFAIL\u001B[39m");
    expect(colored.replace(/\u001B\[\d+m/g, "")).toBe(expected);
  });
});
