import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createInkRenderer } from "../../src/ui/ink/ink-renderer.js";

/** A writable that looks like an 80-column terminal to Ink and keeps what is written to it. */
function terminal(): { stream: Writable & { columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    { columns: 80 },
  );
  return { stream, text: () => chunks.join("") };
}

/** What a terminal shows of `text`, roughly: escape sequences removed. */
function visible(text: string): string {
  return text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, "");
}

describe("createInkRenderer", () => {
  it("writes finished steps and the run's end, and close() resolves after the final frame", async () => {
    const out = terminal();
    let time = 0;
    const renderer = createInkRenderer({ stdout: out.stream, verbose: false, color: false, now: () => time });
    renderer.sink({ type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "nodes", title: "Creating nodes" }] });
    renderer.sink({ type: "step-start", step: "nodes", title: "Creating nodes" });
    time = 1200;
    renderer.sink({ type: "step-end", step: "nodes", status: "ok", durationMs: 1200 });
    renderer.sink({
      type: "check",
      result: { check: "node-ready", title: "Nodes are Ready", node: "node1", status: "pass", ran: "kubectl get nodes", saw: "Ready", durationMs: 4 },
    });
    renderer.sink({ type: "run-end", status: "ok", durationMs: 1300, next: ["lab ssh node1"] });
    await renderer.close();

    const text = visible(out.text());
    expect(text).toContain("lab basic: up (provider: docker)\n");
    expect(text).toContain(" ✓ Creating nodes (1.2s)\n");
    expect(text).toContain("   node-ready  node1  PASS    Ready");
    expect(text).toContain("checks: 1 passed\n");
    expect(text).toContain(" ✓ done in 1.3s\nnext:\n  lab ssh node1\n");
    expect(text.split("Creating nodes (1.2s)").length - 1).toBe(1);
  });

  it("closes cleanly when no event came", async () => {
    const out = terminal();
    const renderer = createInkRenderer({ stdout: out.stream, verbose: false, color: false });
    await expect(renderer.close()).resolves.toBeUndefined();
  });
});
