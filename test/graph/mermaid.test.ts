// @vitest-environment jsdom
/**
 * The Mermaid text of every shipped lab: snapshots, every node's name, roles, address and pod
 * subnet in its label, the load balancer's edges to the API servers, and the text parsed by
 * Mermaid's own parser (the `mermaid` package, which needs a DOM: this file runs under jsdom).
 */
import mermaid from "mermaid";
import { describe, expect, it } from "vitest";
import { mermaidGraph } from "../../src/graph/mermaid.js";
import { graphCases } from "./graph-cases.js";

const cases = graphCases();

describe("mermaidGraph", () => {
  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: matches its snapshot", async (id, graph) => {
    await expect(mermaidGraph(graph)).toMatchFileSnapshot(`__snapshots__/${id}.mmd`);
  });

  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: is a flowchart Mermaid's parser accepts", async (_id, graph) => {
    const text = mermaidGraph(graph);
    expect(text).toMatch(/^flowchart TB$/m);
    await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: "flowchart-v2" });
  });

  it("is checked by a parser that does reject broken text", async () => {
    const broken = mermaidGraph(cases[0]!.graph).replace('"]', '"');
    await expect(mermaid.parse(broken)).rejects.toThrow(/Parse error/);
  });

  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: has one node per lab node with its name, roles, address and pod subnet", (_id, graph) => {
    const text = mermaidGraph(graph);
    for (const node of graph.nodes) {
      const id = `n_${node.name.replace(/-/g, "_")}`;
      const line = text.split("\n").find((l) => l.trim().startsWith(`${id}[`));
      expect(line, `${node.name} has no node`).toBeDefined();
      expect(line).toContain(`"${node.name}<br/>${node.roles.join(", ")}<br/>${node.ip}<br/>`);
      if (node.podSubnet !== undefined) expect(line).toContain(`pods ${node.podSubnet}"]`);
    }
    expect(text).toContain(`lab network ${graph.network.nodeSubnet}`);
    expect(text).toContain(`overlay ${graph.network.overlay}`);
    expect(text).toContain(`etcd cluster: ${graph.etcd.members.length === 1 ? "1 member" : `${graph.etcd.members.length} members`}`);
  });

  it("draws ha-etcd's load balancer with an edge to each API server", () => {
    const text = mermaidGraph(cases.find((c) => c.id === "ha-etcd")!.graph);
    expect(text).toContain('n_lb -->|"TCP :6443, health-checked"| n_controller1');
    expect(text).toContain('n_lb -->|"TCP :6443, health-checked"| n_controller2');
    expect(text).toContain('n_controller1 -->|"etcd client, TLS :2379"| etcd_cluster');
    expect(text).toContain('n_worker1 -.-|"10.200.0.0/24"| pod_network');
  });
});
