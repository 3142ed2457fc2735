/**
 * The graph data of every shipped lab: every node with its roles, address and pod subnet (or why it
 * has none), the networks, the etcd members, the API endpoint, and who talks to whom.
 */
import { describe, expect, it } from "vitest";
import { graphCases, shippedLabs } from "./graph-cases.js";

const cases = graphCases();
const byId = (id: string) => cases.find((c) => c.id === id)!.graph;

describe("labGraph", () => {
  it("covers every lab file shipped in labs/", () => {
    expect(shippedLabs()).toEqual(expect.arrayContaining(["coreos-single", "fedora-multi", "ha-etcd"]));
    expect(cases.map((c) => c.id)).toEqual([...shippedLabs(), "ha-etcd-scaled"]);
  });

  it("gives coreos-single's one node every role, its address and its pod subnet", () => {
    const graph = byId("coreos-single");
    expect(graph.nodes).toEqual([
      { name: "core1", roles: ["etcd", "controlplane", "worker"], ip: "172.30.0.10", podSubnet: "10.2.0.0/24", podSubnetSource: "plan" },
    ]);
    expect(graph.network).toMatchObject({ nodeSubnet: "172.30.0.0/24", nodeSubnetSource: "assumed", podCidr: "10.2.0.0/16", serviceCidr: "10.3.0.0/24", dnsIp: "10.3.0.10", overlay: "routes" });
    expect(graph.api).toEqual({ endpoint: "https://172.30.0.10:6443", servers: ["core1"] });
    expect(graph.etcd.members).toEqual([{ name: "core1", clientUrl: "https://172.30.0.10:2379", peerUrl: "https://172.30.0.10:2380" }]);
    // One node talks to itself only: no edges.
    expect(graph.edges).toEqual([]);
  });

  it("leaves fedora-multi's pod subnets to flannel, and has its workers reach the master's API", () => {
    const graph = byId("fedora-multi");
    expect(graph.network.overlay).toBe("flannel");
    expect(graph.nodes.map((n) => [n.name, n.podSubnetSource, n.podSubnet])).toEqual([
      ["fed-master", "none", undefined],
      ["fed-node1", "flannel", undefined],
      ["fed-node2", "flannel", undefined],
    ]);
    expect(graph.edges.map((e) => `${e.from} ${e.kind} ${e.to}`)).toEqual(["fed-node1 api-client fed-master", "fed-node2 api-client fed-master"]);
  });

  it("puts ha-etcd's load balancer in front of both API servers, which use both etcd members", () => {
    const graph = byId("ha-etcd");
    expect(graph.api).toEqual({ endpoint: "https://172.30.0.10:6443", servers: ["controller1", "controller2"], loadBalancer: "lb" });
    expect(graph.etcd.members.map((m) => m.name)).toEqual(["etcd1", "etcd2"]);
    expect(graph.edges.map((e) => `${e.from} ${e.kind} ${e.to}`)).toEqual([
      "lb load-balancer controller1",
      "lb load-balancer controller2",
      "controller1 etcd-client etcd1",
      "controller1 etcd-client etcd2",
      "controller2 etcd-client etcd1",
      "controller2 etcd-client etcd2",
      "worker1 api-client lb",
      "worker2 api-client lb",
    ]);
    expect(graph.nodes.filter((n) => n.podSubnetSource === "plan").map((n) => `${n.name} ${n.podSubnet}`)).toEqual(["worker1 10.200.0.0/24", "worker2 10.200.1.0/24"]);
  });

  it("follows the group counts it is given", () => {
    const graph = byId("ha-etcd-scaled");
    expect(graph.nodes).toHaveLength(1 + 5 + 3 + 5);
    expect(graph.etcd.members).toHaveLength(5);
    expect(graph.api.servers).toEqual(["controller1", "controller2", "controller3"]);
  });

  it.each(cases.map((c) => [c.id, c.graph] as const))("%s: every node has a distinct address in the node subnet", (_id, graph) => {
    const prefix = graph.network.nodeSubnet.replace(/\.0\/24$/, ".");
    for (const node of graph.nodes) expect(node.ip.startsWith(prefix), node.ip).toBe(true);
    expect(new Set(graph.nodes.map((n) => n.ip)).size).toBe(graph.nodes.length);
    // Pod subnets, where the plan gives them, are distinct too.
    const subnets = graph.nodes.flatMap((n) => n.podSubnet ?? []);
    expect(new Set(subnets).size).toBe(subnets.length);
  });
});
