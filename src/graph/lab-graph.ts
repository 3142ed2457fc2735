/**
 * A lab's topology as data: its nodes (name, roles, address, pod subnet), its networks and overlay,
 * its etcd members, its API servers and load balancer, and who talks to whom. A pure function of the
 * plan; `lab graph` prints it as JSON, and draws it as Mermaid text or in the terminal from it.
 */
import type { NodeRole } from "../config/lab-schema.js";
import { ETCD_CLIENT_PORT, type Plan, type PlannedNode } from "../plan/plan.js";
import { VXLAN_DEVICE, VXLAN_ID, VXLAN_PORT } from "../plan/vxlan.js";

/**
 * Where the node subnet (and so every node's address) comes from: the lab's state (the lab exists),
 * the lab file (it pins one), or an assumption (the file leaves it to `lab up`, which picks the
 * first free /24 of its pool; the graph shows the first one).
 */
export type NodeSubnetSource = "state" | "file" | "assumed";

/** How a node gets its pod subnet. */
export type PodSubnetSource =
  /** From the plan: a slice of the pod network per kubelet node. */
  | "plan"
  /** Leased by flanneld when it starts (overlay flannel): not known before. */
  | "flannel"
  /** The node runs no pods. */
  | "none";

/** A node of the graph. */
export interface GraphNode {
  name: string;
  roles: NodeRole[];
  ip: string;
  /** The node's pod subnet, when the plan gives it one. */
  podSubnet?: string;
  podSubnetSource: PodSubnetSource;
}

/** What an edge carries. */
export type EdgeKind =
  /** The load balancer forwarding to an API server. */
  | "load-balancer"
  /** An API server using an etcd member. */
  | "etcd-client"
  /** A worker's kubelet and kube-proxy reaching the API endpoint. */
  | "api-client";

/** Who talks to whom, by node name. */
export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** What goes over it, e.g. "TCP :6443, health-checked". */
  label: string;
}

/** A lab's topology. */
export interface LabGraph {
  lab: string;
  provider: string;
  kubernetesVersion: string;
  controlPlane: Plan["controlPlaneMode"];
  network: {
    nodeSubnet: string;
    nodeSubnetSource: NodeSubnetSource;
    gateway: string;
    podCidr: string;
    podSubnetPrefix: number;
    serviceCidr: string;
    dnsIp: string;
    clusterDomain: string;
    overlay: Plan["network"]["overlay"];
  };
  api: {
    endpoint: string;
    /** The nodes running an API server. */
    servers: string[];
    /** The load balancer node in front of them, if any. */
    loadBalancer?: string;
  };
  etcd: { members: { name: string; clientUrl: string; peerUrl: string }[] };
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** A node's pod subnet and where it comes from. */
function podSubnet(plan: Plan, node: PlannedNode): Pick<GraphNode, "podSubnet" | "podSubnetSource"> {
  if (node.podCidr !== undefined) return { podSubnet: node.podCidr, podSubnetSource: "plan" };
  // With flannel, flanneld runs on (and leases a subnet for) every worker.
  if (plan.network.overlay === "flannel" && node.roles.includes("worker")) return { podSubnetSource: "flannel" };
  return { podSubnetSource: "none" };
}

/** The edges of the lab: load balancer to API servers, API servers to etcd, workers to the API. */
function edges(plan: Plan): GraphEdge[] {
  const out: GraphEdge[] = [];
  const { loadBalancer, servers, port } = plan.api;
  if (loadBalancer) {
    for (const server of servers) out.push({ from: loadBalancer.name, to: server.name, kind: "load-balancer", label: `TCP :${port}, health-checked` });
  }
  for (const server of servers) {
    for (const member of plan.etcd.members) {
      if (member.name !== server.name) out.push({ from: server.name, to: member.name, kind: "etcd-client", label: `etcd client, TLS :${ETCD_CLIENT_PORT}` });
    }
  }
  // Kubelets and kube-proxies reach the API endpoint: the load balancer, or else the first API server.
  const endpoint = loadBalancer ?? servers[0]!;
  for (const node of plan.nodes) {
    if (node.kubelet && node.name !== endpoint.name) out.push({ from: node.name, to: endpoint.name, kind: "api-client", label: `kubelet, kube-proxy :${port}` });
  }
  return out;
}

/** The topology of a planned lab. Pure: same plan, same graph. */
export function labGraph(plan: Plan, nodeSubnetSource: NodeSubnetSource): LabGraph {
  const net = plan.network;
  return {
    lab: plan.labName,
    provider: plan.provider,
    kubernetesVersion: plan.kubernetes.raw,
    controlPlane: plan.controlPlaneMode,
    network: {
      nodeSubnet: net.nodeSubnet,
      nodeSubnetSource,
      gateway: net.gateway,
      podCidr: net.podCidr,
      podSubnetPrefix: net.podSubnetPrefix,
      serviceCidr: net.serviceCidr,
      dnsIp: net.dnsIp,
      clusterDomain: net.clusterDomain,
      overlay: net.overlay,
    },
    api: {
      endpoint: plan.api.endpoint,
      servers: plan.api.servers.map((s) => s.name),
      ...(plan.api.loadBalancer ? { loadBalancer: plan.api.loadBalancer.name } : {}),
    },
    etcd: { members: plan.etcd.members.map(({ name, clientUrl, peerUrl }) => ({ name, clientUrl, peerUrl })) },
    nodes: plan.nodes.map((node) => ({
      name: node.name,
      roles: [...node.roles],
      ip: node.ip,
      ...podSubnet(plan, node),
    })),
    edges: edges(plan),
  };
}

/** One sentence on how pods on different nodes reach each other, for the drawings. */
export function overlayDescription(graph: LabGraph): string {
  switch (graph.network.overlay) {
    case "routes":
      return "routes: every node routes each other node's pod subnet via that node's address";
    case "vxlan":
      return `vxlan: a ${VXLAN_DEVICE} VXLAN device per node (VNI ${VXLAN_ID}, UDP ${VXLAN_PORT}), with a neighbour, forwarding entry and route per other node`;
    case "flannel":
      return `flannel: flanneld on every worker leases a /${graph.network.podSubnetPrefix} of ${graph.network.podCidr}, its configuration in etcd at /coreos.com/network/config`;
  }
}

/** A node's pod subnet in words: the subnet, "leased by flannel", or "no pods". */
export function podSubnetText(node: GraphNode): string {
  switch (node.podSubnetSource) {
    case "plan":
      return `pods ${node.podSubnet!}`;
    case "flannel":
      return "pods: a flannel lease";
    case "none":
      return "no pods";
  }
}
