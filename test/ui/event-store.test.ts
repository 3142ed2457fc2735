import { describe, expect, it, vi } from "vitest";
import type { ErrorInfo, LabEvent } from "../../src/pipeline/events.js";
import { INITIAL_VIEW_STATE, createEventStore, reduceEvent, type ViewState } from "../../src/ui/ink/event-store.js";

/** Reduces `events`, the nth at clock time `times[n]` (or 0). */
function reduceAll(events: LabEvent[], times: number[] = []): ViewState {
  return events.reduce((state, event, index) => reduceEvent(state, event, times[index] ?? 0), INITIAL_VIEW_STATE);
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

describe("reduceEvent", () => {
  it("lists the run's steps as pending and records the run in the history", () => {
    const state = reduceAll([runStart]);
    expect(state.run).toEqual({ lab: "basic", command: "up", provider: "docker" });
    expect(state.steps).toEqual([
      { id: "nodes", title: "Creating nodes", status: "pending", tasks: [] },
      { id: "etcd", title: "Starting etcd", status: "pending", tasks: [] },
    ]);
    expect(state.history).toEqual([{ kind: "run", run: state.run }]);
  });

  it("tracks a step from start to end with its start time, and settles it into the history", () => {
    const running = reduceAll([runStart, { type: "step-start", step: "nodes", title: "Creating 3 nodes" }], [0, 1000]);
    expect(running.steps[0]).toEqual({ id: "nodes", title: "Creating 3 nodes", status: "running", startedAt: 1000, tasks: [] });
    expect(running.history).toHaveLength(1);

    const ended = reduceEvent(running, { type: "step-end", step: "nodes", status: "ok", durationMs: 1200 }, 2200);
    expect(ended.steps[0]).toMatchObject({ status: "ok", durationMs: 1200 });
    expect(ended.history.at(-1)).toEqual({ kind: "step", step: ended.steps[0] });
  });

  it("keeps one task per node, with start time, title, status, duration and error", () => {
    const error: ErrorInfo = { message: "etcd did not become healthy" };
    const state = reduceAll(
      [
        runStart,
        { type: "step-start", step: "etcd", title: "Starting etcd" },
        { type: "task-start", step: "etcd", node: "node1", title: "etcd" },
        { type: "task-start", step: "etcd", node: "node2" },
        { type: "task-end", step: "etcd", node: "node1", status: "ok", durationMs: 800 },
        { type: "task-end", step: "etcd", node: "node2", status: "failed", durationMs: 900, error },
      ],
      [0, 100, 200, 300, 1000, 1200],
    );
    expect(state.steps[1]?.tasks).toEqual([
      { node: "node1", title: "etcd", status: "ok", startedAt: 200, durationMs: 800 },
      { node: "node2", status: "failed", startedAt: 300, durationMs: 900, error },
    ]);
  });

  it("restarts a node's task when it starts again", () => {
    const state = reduceAll(
      [
        { type: "task-start", step: "etcd", node: "node1" },
        { type: "task-end", step: "etcd", node: "node1", status: "failed", durationMs: 5 },
        { type: "task-start", step: "etcd", node: "node1" },
      ],
      [0, 5, 10],
    );
    expect(state.steps[0]?.tasks).toEqual([{ node: "node1", status: "running", startedAt: 10 }]);
  });

  it("adds steps it was not told about, titled by their id", () => {
    const state = reduceAll([{ type: "task-start", step: "images", node: "node1" }]);
    expect(state.steps).toEqual([
      { id: "images", title: "images", status: "pending", tasks: [{ node: "node1", status: "running", startedAt: 0 }] },
    ]);
  });

  it("keeps the latest progress message of a step", () => {
    const state = reduceAll([
      runStart,
      { type: "progress", step: "nodes", message: "pulling image", done: 1, total: 3 },
      { type: "progress", step: "nodes", node: "node2", message: "booting" },
    ]);
    expect(state.steps[0]?.progress).toEqual({ node: "node2", message: "booting" });
  });

  it("records logs and check results in order, without touching the steps", () => {
    const check = { check: "dns", title: "DNS", status: "pass" as const, ran: "dig", saw: "ok", durationMs: 3 };
    const before = reduceAll([runStart]);
    const state = reduceAll([
      runStart,
      { type: "log", level: "warn", message: "swap is on", node: "node1" },
      { type: "check", result: check },
      { type: "log", level: "debug", message: "detail" },
    ]);
    expect(state.steps).toEqual(before.steps);
    expect(state.checks).toEqual([check]);
    expect(state.history.slice(1)).toEqual([
      { kind: "log", log: { level: "warn", message: "swap is on", node: "node1" } },
      { kind: "log", log: { level: "debug", message: "detail" } },
    ]);
  });

  it("ends the run with its status, next lines, checks and diagnoses", () => {
    const check = { check: "dns", title: "DNS", status: "fail" as const, ran: "dig", saw: "timeout", durationMs: 3 };
    const diagnosis = { diagnosis: "dns-service-ip", title: "a DNS Service IP outside the service range", found: "clusterDNS 10.3.1.9", fix: "set clusterDNS", ran: "cat" };
    const state = reduceAll([
      runStart,
      { type: "check", result: check },
      { type: "diagnosis", diagnosis },
      { type: "run-end", status: "ok", durationMs: 65_000, next: ["lab ssh node1"] },
    ]);
    const end = { status: "ok", durationMs: 65_000, next: ["lab ssh node1"] };
    expect(state.end).toEqual(end);
    expect(state.diagnoses).toEqual([diagnosis]);
    expect(state.history.at(-1)).toEqual({ kind: "end", end, checks: [check], diagnoses: [diagnosis] });
  });

  it("ends with the run's error, unless a finished step or task showed it already", () => {
    const taskError: ErrorInfo = { message: "node2 failed" };
    const runError: ErrorInfo = { message: "the run failed" };
    const events: LabEvent[] = [
      runStart,
      { type: "step-start", step: "etcd", title: "Starting etcd" },
      { type: "task-start", step: "etcd", node: "node2" },
      { type: "task-end", step: "etcd", node: "node2", status: "failed", durationMs: 5, error: taskError },
      { type: "step-end", step: "etcd", status: "failed", durationMs: 6 },
    ];
    expect(reduceAll([...events, { type: "run-end", status: "failed", durationMs: 7 }]).end).toEqual({ status: "failed", durationMs: 7, next: [] });
    expect(reduceAll([...events, { type: "run-end", status: "failed", durationMs: 7, error: runError }]).end?.error).toBe(runError);
    // The same failure (its stack aside) reported again by the run is not repeated.
    const again = { ...taskError, stack: "Error: node2 failed" };
    expect(reduceAll([...events, { type: "run-end", status: "failed", durationMs: 7, error: again }]).end?.error).toBeUndefined();
    // A task of a step cut short (still running) has not been shown: the run's end shows its error.
    const cutShort: LabEvent[] = [...events.slice(0, 4), { type: "run-end", status: "failed", durationMs: 7, error: taskError }];
    expect(reduceAll(cutShort).end?.error).toBe(taskError);
  });

  it("never mutates the state it is given", () => {
    const state = reduceAll([runStart, { type: "step-start", step: "nodes", title: "Creating nodes" }]);
    const frozen = structuredClone(state);
    reduceEvent(state, { type: "task-start", step: "nodes", node: "node1" }, 5);
    reduceEvent(state, { type: "step-end", step: "nodes", status: "ok", durationMs: 5 }, 5);
    reduceEvent(state, { type: "run-end", status: "ok", durationMs: 5 }, 5);
    expect(state).toEqual(frozen);
  });
});

describe("createEventStore", () => {
  it("applies events with its clock and notifies subscribers until they unsubscribe", () => {
    let time = 42;
    const store = createEventStore(() => time);
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    const initial = store.getState();
    expect(initial).toBe(INITIAL_VIEW_STATE);

    store.dispatch({ type: "step-start", step: "nodes", title: "Creating nodes" });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getState()).not.toBe(initial);
    expect(store.getState().steps[0]?.startedAt).toBe(42);
    expect(store.getState()).toBe(store.getState());

    unsubscribe();
    time = 50;
    store.dispatch({ type: "step-end", step: "nodes", status: "ok", durationMs: 8 });
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
