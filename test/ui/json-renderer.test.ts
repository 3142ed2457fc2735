import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { LabEvent } from "../../src/pipeline/events.js";
import { createJsonRenderer } from "../../src/ui/json-renderer.js";

/** Feeds `events` to a JSON renderer and returns what it wrote. */
async function renderJson(events: LabEvent[], verbose: boolean): Promise<string> {
  const chunks: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const renderer = createJsonRenderer({ stdout, verbose });
  for (const event of events) renderer.sink(event);
  await renderer.close();
  return chunks.join("");
}

const stack = "Error: boom\n    at f (x.ts:1:1)";
const events: LabEvent[] = [
  { type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "nodes", title: "Creating nodes" }] },
  { type: "step-start", step: "nodes", title: "Creating nodes" },
  { type: "task-start", step: "nodes", node: "node1" },
  { type: "progress", step: "nodes", node: "node1", message: "pulling \"kindest/node\"\nline 2", done: 1, total: 2 },
  { type: "task-end", step: "nodes", node: "node1", status: "failed", durationMs: 5, error: { message: "task failed", stack } },
  { type: "log", level: "warn", message: "swap is on" },
  { type: "step-end", step: "nodes", status: "failed", durationMs: 6, error: { message: "step failed", hint: "h", stack } },
  { type: "check", result: { check: "dns", title: "DNS", status: "not-run", ran: "dig", saw: "", reason: "no DNS", durationMs: 0 } },
  {
    type: "run-end",
    status: "failed",
    durationMs: 7,
    error: { message: "run failed", journal: [{ node: "node1", unit: "kubelet", lines: ["x"] }], stack },
    next: ["lab down"],
  },
];

/** The event without the stack of its error. */
function withoutStack(event: LabEvent): LabEvent {
  if (!("error" in event) || event.error === undefined) return event;
  const { stack: _stack, ...error } = event.error;
  return { ...event, error };
}

describe("createJsonRenderer", () => {
  it("writes one JSON object per line, and nothing else", async () => {
    const text = await renderJson(events, true);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(events.length);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("round-trips the events, stacks included, when verbose", async () => {
    const text = await renderJson(events, true);
    expect(text.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual(events);
  });

  it("drops stacks unless verbose, and keeps everything else", async () => {
    const text = await renderJson(events, false);
    expect(text).not.toContain("stack");
    expect(text.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual(events.map(withoutStack));
  });
});
