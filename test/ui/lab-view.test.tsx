import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "ink-testing-library";
import type { ErrorInfo, LabEvent } from "../../src/pipeline/events.js";
import { createEventStore } from "../../src/ui/ink/event-store.js";
import { LabView } from "../../src/ui/ink/lab-view.js";

/** A frame of the spinner (cli-spinners' "dots"). */
const SPINNER = "[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]";

/** Mounts a view on a fake terminal 100 columns wide, with a clock the test moves. */
function mount(options: { verbose?: boolean } = {}) {
  let time = 0;
  const now = (): number => time;
  const store = createEventStore(now);
  const view = render(<LabView store={store} verbose={options.verbose ?? false} color={false} now={now} />);
  return {
    frame: (): string => view.lastFrame() ?? "",
    /** How many frames the view has drawn so far (ink-testing-library draws every commit). */
    frameCount: (): number => view.frames.length,
    /** Dispatches `events`, then waits for React, which renders store updates in a microtask. */
    send: async (...events: LabEvent[]): Promise<void> => {
      events.forEach(store.dispatch);
      await new Promise((resolve) => setImmediate(resolve));
    },
    at: (ms: number): void => {
      time = ms;
    },
  };
}

const runStart: LabEvent = {
  type: "run-start",
  lab: "basic",
  command: "up",
  provider: "docker",
  steps: [
    { id: "nodes", title: "Creating nodes" },
    { id: "etcd", title: "Starting etcd" },
  ],
};

const etcdError: ErrorInfo = {
  message: "etcd did not become healthy on node2",
  hint: "A wrong --initial-cluster is the usual cause.",
  command: "etcdctl endpoint health",
  where: "node2",
  output: "context deadline exceeded",
  journal: [{ node: "node2", unit: "etcd", lines: ["member abc is unreachable", "raft: no leader"] }],
  stack: "Error: timeout\n    at waitHealthy (etcd.ts:10:5)",
};

const longSaw = `${"endpoint is healthy: successfully committed proposal ".repeat(4)}END`;

const checksAndEnd: LabEvent[] = [
  {
    type: "check",
    result: { check: "node-ready", title: "Nodes are Ready", node: "node1", status: "pass", ran: "kubectl get node", saw: "Ready", durationMs: 5 },
  },
  {
    type: "check",
    result: { check: "etcd-health", title: "etcd", node: "node2", status: "fail", ran: "etcdctl", saw: longSaw, reason: "1 endpoint unhealthy", durationMs: 5 },
  },
  {
    type: "check",
    result: { check: "dns", title: "DNS", status: "not-run", ran: "dig", saw: "", reason: "CoreDNS is not deployed", durationMs: 0 },
  },
  {
    type: "diagnosis",
    diagnosis: { diagnosis: "etcd-peer-tls", title: "etcd members that cannot reach each other over peer TLS", node: "node2", found: "etcd on node2 cannot reach node1", fix: "check --peer-cert-file", ran: "curl" },
  },
  { type: "run-end", status: "failed", durationMs: 65_000, error: etcdError, next: ["lab logs node2 etcd"] },
];

afterEach(() => {
  cleanup();
});

describe("LabView", () => {
  it("prints a finished step with its tick, title and duration, once", async () => {
    const view = mount();
    await view.send(runStart, { type: "step-start", step: "nodes", title: "Creating nodes" });
    view.at(1200);
    await view.send(
      { type: "task-start", step: "nodes", node: "node1" },
      { type: "task-end", step: "nodes", node: "node1", status: "ok", durationMs: 800 },
      { type: "step-end", step: "nodes", status: "ok", durationMs: 1200 },
    );
    const frame = view.frame();
    expect(frame).toContain("lab basic: up (provider: docker)");
    expect(frame).toContain(" ✓ Creating nodes (1.2s)\n     ✓ node1 (800ms)");
    expect(frame.split("Creating nodes").length - 1).toBe(1);
    expect(frame).not.toMatch(new RegExp(SPINNER));
  });

  it("shows a running step with a spinner, its elapsed time, its node rows and its progress", async () => {
    const view = mount();
    await view.send(runStart);
    view.at(1000);
    await view.send(
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "task-start", step: "etcd", node: "node1" },
      { type: "task-start", step: "etcd", node: "node2" },
    );
    view.at(3500);
    await view.send(
      { type: "task-end", step: "etcd", node: "node1", status: "ok", durationMs: 900 },
      { type: "progress", step: "etcd", node: "node2", message: "waiting for quorum", done: 1, total: 3 },
    );
    const lines = view.frame().split("\n");
    expect(lines.slice(-4).join("\n")).toMatch(
      new RegExp(
        [
          `^ ${SPINNER} Starting etcd \\(2\\.5s\\)`,
          "     ✓ node1 \\(900ms\\)",
          `     ${SPINNER} node2 \\(2\\.5s\\)`,
          "     node2: waiting for quorum \\(1/3\\)$",
        ].join("\n"),
      ),
    );
  });

  it("keeps the elapsed time of a running step ticking between events", async () => {
    const view = mount();
    await view.send({ type: "step-start", step: "etcd", title: "Starting etcd" });
    expect(view.frame()).toMatch(/Starting etcd \(0ms\)/);
    view.at(61_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(view.frame()).toMatch(/Starting etcd \(1m01s\)/);
  });

  it("redraws on one clock, four times a second however many steps and nodes run, and not at all once nothing runs", async () => {
    const view = mount();
    await view.send(
      runStart,
      { type: "step-start", step: "nodes", title: "Creating nodes" },
      { type: "task-start", step: "nodes", node: "node1" },
      { type: "task-start", step: "nodes", node: "node2" },
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "task-start", step: "etcd", node: "node1" },
      { type: "task-start", step: "etcd", node: "node2" },
    );
    // Six spinners and six elapsed times on screen.
    expect(view.frame().match(new RegExp(SPINNER, "g"))).toHaveLength(6);
    const before = view.frameCount();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const perSecond = view.frameCount() - before;
    // One redraw per 250 ms tick (a busy machine may delay one); a timer per spinner would make it ~90.
    expect(perSecond).toBeGreaterThanOrEqual(2);
    expect(perSecond).toBeLessThanOrEqual(5);
    await view.send({ type: "run-end", status: "failed", durationMs: 1000 });
    const ended = view.frameCount();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(view.frameCount()).toBe(ended);
  });

  it("moves a step out of the live area when it ends", async () => {
    const view = mount();
    await view.send(runStart, { type: "step-start", step: "etcd", title: "Starting etcd" });
    expect(view.frame()).toMatch(new RegExp(`${SPINNER} Starting etcd`));
    await view.send({ type: "step-end", step: "etcd", status: "failed", durationMs: 3400 });
    expect(view.frame()).toContain(" ✗ Starting etcd (3.4s)");
    expect(view.frame()).not.toMatch(new RegExp(SPINNER));
  });

  it("shows a failed node's whole error block under its row (no stack), and not again at the end", async () => {
    const view = mount();
    await view.send(
      runStart,
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "task-start", step: "etcd", node: "node2" },
      { type: "task-end", step: "etcd", node: "node2", status: "failed", durationMs: 3000, error: etcdError },
      { type: "step-end", step: "etcd", status: "failed", durationMs: 3400, error: etcdError },
      { type: "run-end", status: "failed", durationMs: 4000, error: etcdError, next: ["lab logs basic node2 etcd"] },
    );
    const frame = view.frame();
    expect(frame).toContain(
      [
        " ✗ Starting etcd (3.4s)",
        "     ✗ node2 (3.0s)",
        "       ERROR: etcd did not become healthy on node2",
        "       hint: A wrong --initial-cluster is the usual cause.",
        "       command (on node2): etcdctl endpoint health",
        "         context deadline exceeded",
        "       journal of etcd on node2:",
        "         member abc is unreachable",
        "         raft: no leader",
        "",
        " ✗ failed after 4.0s",
        "next:",
        "  lab logs basic node2 etcd",
      ].join("\n"),
    );
    expect(frame.split("etcd did not become healthy").length - 1).toBe(1);
    expect(frame).not.toContain("waitHealthy");
  });

  it("shows every failed node's error, not only the first", async () => {
    const view = mount();
    const other: ErrorInfo = { message: "kubelet on node3 did not register", hint: "read its journal", journal: [{ node: "node3", unit: "kubelet", lines: ["x509: certificate signed by unknown authority"] }] };
    await view.send(
      runStart,
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "task-start", step: "etcd", node: "node2" },
      { type: "task-start", step: "etcd", node: "node3" },
      { type: "task-end", step: "etcd", node: "node2", status: "failed", durationMs: 3000, error: etcdError },
      { type: "task-end", step: "etcd", node: "node3", status: "failed", durationMs: 3100, error: other },
      { type: "step-end", step: "etcd", status: "failed", durationMs: 3400, error: etcdError },
      { type: "run-end", status: "failed", durationMs: 4000, error: etcdError },
    );
    const frame = view.frame();
    expect(frame).toContain("     ✗ node2 (3.0s)\n       ERROR: etcd did not become healthy on node2\n");
    expect(frame).toContain(
      ["     ✗ node3 (3.1s)", "       ERROR: kubelet on node3 did not register", "       hint: read its journal", "       journal of kubelet on node3:", "         x509: certificate signed by unknown authority"].join("\n"),
    );
    expect(frame.split("etcd did not become healthy").length - 1).toBe(1);
  });

  it("shows a step's own error under its node rows, with the stack of a bug only when verbose", async () => {
    const bug: ErrorInfo = { message: "bug: x is undefined", hint: "this is kubelab's fault", stack: "TypeError: x is undefined\n    at copyFiles (copy-files.ts:3:1)" };
    const events: LabEvent[] = [
      runStart,
      { type: "step-start", step: "nodes", title: "Creating nodes" },
      { type: "task-start", step: "nodes", node: "node1" },
      { type: "task-end", step: "nodes", node: "node1", status: "ok", durationMs: 800 },
      { type: "step-end", step: "nodes", status: "failed", durationMs: 900, error: bug },
      { type: "run-end", status: "failed", durationMs: 1000, error: bug },
    ];
    const quiet = mount();
    await quiet.send(...events);
    expect(quiet.frame()).toContain(" ✗ Creating nodes (900ms)\n     ✓ node1 (800ms)\n   ERROR: bug: x is undefined\n   hint: this is kubelab's fault\n\n ✗ failed after 1.0s");
    expect(quiet.frame()).not.toContain("copyFiles");
    const verbose = mount({ verbose: true });
    await verbose.send(...events);
    expect(verbose.frame()).toContain("   stack:\n     TypeError: x is undefined\n         at copyFiles (copy-files.ts:3:1)");
    expect(verbose.frame().split("copyFiles").length - 1).toBe(1);
  });

  it("ends with the checks table, counts, the known causes found, outcome, error block and next steps", async () => {
    const view = mount();
    await view.send(runStart, ...checksAndEnd);
    const frame = view.frame();
    const rows = frame.split("\n");
    expect(rows).toContain("   CHECK        NODE   RESULT   SEEN");
    expect(rows).toContain("   node-ready   node1  PASS     Ready");
    expect(rows).toContain("   dns          -      NOT RUN  CoreDNS is not deployed");
    const failRow = rows.find((row) => row.includes("FAIL"));
    expect(failRow).toMatch(/^ {3}etcd-health {2}node2 {2}FAIL {5}endpoint is healthy: successfully committed proposal .*…$/);
    expect(failRow).not.toContain("END");
    expect(failRow?.length).toBeLessThanOrEqual(100);
    expect(frame).toContain("     1 endpoint unhealthy");
    expect(frame).toContain("checks: 1 passed, 1 failed, 1 not run");
    expect(frame).toContain(
      [
        "cause: etcd members that cannot reach each other over peer TLS (on node2)",
        "  found: etcd on node2 cannot reach node1",
        "  fix: check --peer-cert-file",
      ].join("\n"),
    );
    expect(frame).toContain(
      [
        "ERROR: etcd did not become healthy on node2",
        "hint: A wrong --initial-cluster is the usual cause.",
        "command (on node2): etcdctl endpoint health",
        "  context deadline exceeded",
        "journal of etcd on node2:",
        "  member abc is unreachable",
        "  raft: no leader",
        " ✗ failed after 1m05s",
        "next:",
        "  lab logs node2 etcd",
      ].join("\n"),
    );
    expect(frame).not.toContain("stack");
    expect(frame).not.toContain("waitHealthy");
  });

  it("shows the stack of a bug only when verbose", async () => {
    const view = mount({ verbose: true });
    await view.send(runStart, ...checksAndEnd);
    expect(view.frame()).toContain("stack:\n  Error: timeout\n      at waitHealthy (etcd.ts:10:5)");
  });

  it("shows the run's error at the end when no step showed it", async () => {
    const view = mount();
    await view.send(
      runStart,
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "step-end", step: "etcd", status: "ok", durationMs: 3400 },
      { type: "run-end", status: "failed", durationMs: 4000, error: etcdError },
    );
    expect(view.frame()).toContain(" ✓ Starting etcd (3.4s)\n\nERROR: etcd did not become healthy on node2\nhint: A wrong --initial-cluster is the usual cause.");
  });

  it("clears steps cut short when the run ends", async () => {
    const view = mount();
    await view.send(runStart, { type: "step-start", step: "etcd", title: "Starting etcd" }, { type: "run-end", status: "failed", durationMs: 10 });
    expect(view.frame()).not.toMatch(new RegExp(SPINNER));
    expect(view.frame()).toContain(" ✗ failed after 10ms");
  });

  it("prints warnings, and debug logs only when verbose", async () => {
    const logs: LabEvent[] = [
      { type: "log", level: "warn", message: "swap is enabled", node: "node1" },
      { type: "log", level: "info", message: "nodes are up" },
      { type: "log", level: "debug", message: "container ids: a, b" },
    ];
    const quiet = mount();
    await quiet.send(...logs);
    expect(quiet.frame()).toContain("WARNING: node1: swap is enabled\nnodes are up");
    expect(quiet.frame()).not.toContain("container ids");

    const verbose = mount({ verbose: true });
    await verbose.send(...logs);
    expect(verbose.frame()).toContain("debug: container ids: a, b");
  });
});
