/**
 * Colours in the Ink view: on a terminal that supports them (FORCE_COLOR, set before Ink's chalk
 * loads) the view colours its marks, results and errors, and with colours off (NO_COLOR) it writes
 * no escape sequence at all, the same text otherwise.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

const forceColor = vi.hoisted(() => {
  const before = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = "1";
  return before;
});

const { cleanup, render } = await import("ink-testing-library");
const { createEventStore } = await import("../../src/ui/ink/event-store.js");
const { LabView } = await import("../../src/ui/ink/lab-view.js");
type LabEvent = import("../../src/pipeline/events.js").LabEvent;

/** SGR escape sequences (colours, bold, dim). */
const SGR = /\u001B\[[0-9;]*m/g;

const events: LabEvent[] = [
  { type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "etcd", title: "Starting etcd" }] },
  { type: "step-start", step: "etcd", title: "Starting etcd" },
  { type: "task-start", step: "etcd", node: "node1" },
  { type: "task-end", step: "etcd", node: "node1", status: "failed", durationMs: 5, error: { message: "etcd failed", hint: "read its journal" } },
  { type: "step-end", step: "etcd", status: "failed", durationMs: 6 },
  { type: "log", level: "warn", message: "swap is on" },
  { type: "check", result: { check: "etcd-health", title: "etcd", node: "node1", status: "pass", ran: "etcdctl", saw: "healthy", durationMs: 1 } },
  { type: "run-end", status: "failed", durationMs: 7 },
];

/** The final frame of the view of `events`, with colours on or off. */
async function frame(color: boolean): Promise<string> {
  const store = createEventStore(() => 0);
  const view = render(<LabView store={store} verbose={false} color={color} now={() => 0} />);
  events.forEach(store.dispatch);
  await new Promise((resolve) => setImmediate(resolve));
  return view.lastFrame() ?? "";
}

afterEach(() => {
  cleanup();
});

afterAll(() => {
  if (forceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = forceColor;
});

describe("LabView colours", () => {
  it("colours marks, warnings, errors and results when colours are on", async () => {
    const coloured = await frame(true);
    expect(coloured).toMatch(SGR);
    expect(coloured).toContain("\u001B[31m✗\u001B[39m");
    expect(coloured).toContain("\u001B[33mWARNING: swap is on\u001B[39m");
    expect(coloured).toContain("\u001B[32mPASS");
  });

  it("writes no escape sequence with colours off (NO_COLOR), and the same text", async () => {
    const plain = await frame(false);
    expect(plain).not.toMatch(/\u001B/);
    expect((await frame(true)).replace(SGR, "")).toBe(plain);
    expect(plain).toContain("     ✗ node1 (5ms)\n       ERROR: etcd failed\n       hint: read its journal");
  });
});
