/**
 * The terminal drawing of every shipped lab: snapshots, every node's address and pod subnet on
 * screen, no line wider than the terminal, and colours only when asked for.
 */
import { describe, expect, it } from "vitest";
import { drawGraph } from "../../src/graph/terminal-drawing.js";
import { createPalette } from "../../src/ui/ansi.js";
import { graphCases } from "./graph-cases.js";

const cases = graphCases();
/** Escape sequences (SGR colours and weights). */
const ESCAPES = /\u001B\[[0-9;]*m/g;

describe("drawGraph", () => {
  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: matches its snapshot", async (id, graph) => {
    await expect(drawGraph(graph, { width: 80, style: createPalette(false) })).toMatchFileSnapshot(`__snapshots__/${id}.txt`);
  });

  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: shows every node's name, address, roles and pod subnet", (_id, graph) => {
    const drawing = drawGraph(graph, { width: 80, style: createPalette(false) });
    for (const node of graph.nodes) {
      // Each node's box: its name, then its address on the next row of the same box.
      expect(drawing).toMatch(new RegExp(`│ ${node.name} +│[^\\n]*\\n[^\\n]*│ ${node.ip.replace(/\./g, "\\.")} +│`));
      if (node.podSubnet !== undefined) expect(drawing).toContain(`│ pods ${node.podSubnet} `);
      for (const role of node.roles) expect(drawing).toContain(role);
    }
    expect(drawing).toContain(`lab network ${graph.network.nodeSubnet}`);
    expect(drawing).toContain(`overlay ${graph.network.overlay}`);
  });

  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: fits 80 columns, and a 60-column terminal too", (_id, graph) => {
    for (const width of [80, 60]) {
      for (const line of drawGraph(graph, { width, style: createPalette(false) }).trimEnd().split("\n")) expect(line.length, line).toBeLessThanOrEqual(width);
    }
    // 60 columns: two boxes to a row.
    expect(drawGraph(graph, { width: 60, style: createPalette(false) })).not.toMatch(/┐ ┌[^\n]*┐ ┌/);
  });

  it("shows ha-etcd's load balancer in front of its API servers, and their etcd cluster", () => {
    const drawing = drawGraph(cases.find((c) => c.id === "ha-etcd")!.graph, { width: 80, style: createPalette(false) });
    expect(drawing).toContain("lb ──→ controller1, controller2: TCP :6443, health-checked");
    expect(drawing).toContain("controller1, controller2 ──→ etcd1, etcd2: etcd client, TLS :2379");
    expect(drawing).toContain("worker1, worker2 ──→ lb: kubelet, kube-proxy :6443");
    expect(drawing).toContain("API https://172.30.0.10:6443 (the load balancer lb)");
  });

  it("uses colours only through its style: the coloured drawing is the plain one once escapes are removed", () => {
    for (const { graph } of cases) {
      const plain = drawGraph(graph, { width: 80, style: createPalette(false) });
      const coloured = drawGraph(graph, { width: 80, style: createPalette(true) });
      expect(coloured).toMatch(ESCAPES);
      expect(coloured.replace(ESCAPES, "")).toBe(plain);
      expect(drawGraph(graph, { width: 80, style: createPalette(false) })).toBe(plain);
      expect(plain).not.toMatch(/\u001B/);
    }
  });
});
