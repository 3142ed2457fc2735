/**
 * A lab's topology drawn for a terminal (`lab graph NAME`): a box per node (name, address, roles,
 * pod subnet) in tiers (load balancer, control plane, etcd, workers), who talks to whom, and the
 * lab network with its pod network and overlay. Box-drawing characters, readable in 80 columns;
 * colours only through the style it is given.
 */
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT } from "../plan/plan.js";
import { overlayDescription, podSubnetText, type GraphEdge, type GraphNode, type LabGraph } from "./lab-graph.js";
import { FRAMES, boxContentHeight, drawBox, sideBySide, wrap, type StyledLine, type TextStyle } from "./text-layout.js";

/** Width of a node's box, frame included: three side by side fit 80 columns. */
const BOX_WIDTH = 25;
/** Spaces between boxes. */
const GAP = 1;
/** Indentation of the lines under a heading. */
const INDENT = "  ";

/** Options of {@link drawGraph}. */
export interface DrawOptions {
  /** The terminal's width in columns (80 when it is not a terminal). */
  width: number;
  style: TextStyle;
}

/** A tier of the drawing: a heading and its nodes. */
interface Tier {
  title: string;
  nodes: GraphNode[];
}

/** Nodes in tiers, each node in the first that applies: load balancer, control plane, etcd, workers. */
function tiers(graph: LabGraph): Tier[] {
  const controlPlane = graph.controlPlane === "static-pods" ? "control plane (static pods, started by kubelet)" : "control plane (systemd units)";
  const rules: [string, (node: GraphNode) => boolean][] = [
    ["load balancer", (n) => n.roles.includes("loadbalancer")],
    [controlPlane, (n) => n.roles.includes("controlplane")],
    ["etcd", (n) => n.roles.includes("etcd")],
    ["workers", () => true],
  ];
  const placed = new Set<string>();
  return rules.flatMap(([title, applies]) => {
    const nodes = graph.nodes.filter((n) => !placed.has(n.name) && applies(n));
    for (const node of nodes) placed.add(node.name);
    return nodes.length === 0 ? [] : [{ title, nodes }];
  });
}

/** What a node's box says. */
function boxContent(node: GraphNode): StyledLine[] {
  return [
    { text: node.name, style: "bold" },
    { text: node.ip },
    { text: node.roles.join(", "), style: "dim" },
    { text: podSubnetText(node), ...(node.podSubnetSource === "plan" ? { style: "green" as const } : {}) },
  ];
}

/** A tier's boxes, as many to a row as `width` allows, each row's boxes of one height. */
function tierRows(tier: Tier, width: number, style: TextStyle): string[] {
  const perRow = Math.max(1, Math.floor((width + GAP) / (BOX_WIDTH + GAP)));
  const rows: string[] = [];
  for (let i = 0; i < tier.nodes.length; i += perRow) {
    const nodes = tier.nodes.slice(i, i + perRow);
    const height = Math.max(...nodes.map((n) => boxContentHeight(boxContent(n), BOX_WIDTH)));
    rows.push(...sideBySide(nodes.map((n) => drawBox(boxContent(n), { width: BOX_WIDTH, height, style })), GAP));
  }
  return rows;
}

/**
 * The edges in words, one line per group: sources sending the same thing to the same targets
 * share a line, e.g. `worker1, worker2 ──→ lb: kubelet, kube-proxy :6443`.
 */
function connectionLines(edges: readonly GraphEdge[]): string[] {
  const targets = new Map<string, { from: string; to: string[]; label: string }>();
  for (const edge of edges) {
    const key = `${edge.from}\u0000${edge.label}`;
    const known = targets.get(key) ?? { from: edge.from, to: [], label: edge.label };
    known.to.push(edge.to);
    targets.set(key, known);
  }
  const lines = new Map<string, { from: string[]; to: string[]; label: string }>();
  for (const { from, to, label } of targets.values()) {
    const key = `${to.join(",")}\u0000${label}`;
    const known = lines.get(key) ?? { from: [], to, label };
    known.from.push(from);
    lines.set(key, known);
  }
  return [...lines.values()].map(({ from, to, label }) => `${from.join(", ")} ──→ ${to.join(", ")}: ${label}`);
}

/** The lab network's box: its subnet, and the pod and service networks and overlay over it. */
function networkBox(graph: LabGraph, width: number, style: TextStyle): string[] {
  const net = graph.network;
  const content: StyledLine[] = [
    { text: `every node above is on it; gateway ${net.gateway}` },
    { text: `pods ${net.podCidr}, a /${net.podSubnetPrefix} per node; services ${net.serviceCidr}; DNS ${net.dnsIp} (${net.clusterDomain})` },
    { text: `overlay ${overlayDescription(graph)}` },
  ];
  return drawBox(content, { width, title: `lab network ${net.nodeSubnet}`, frame: FRAMES.double, style });
}

/** The header: what the lab is, where its API is, its etcd cluster, and where the addresses come from. */
function header(graph: LabGraph, width: number, style: TextStyle): string[] {
  const mode = graph.controlPlane === "static-pods" ? "as static pods" : "as systemd units";
  const via = graph.api.loadBalancer === undefined ? graph.api.servers[0]! : `the load balancer ${graph.api.loadBalancer}`;
  const members = graph.etcd.members.map((m) => m.name);
  const count = members.length === 1 ? "1 member" : `${members.length} members`;
  const lines = [
    ...wrap(`lab ${graph.lab}: provider ${graph.provider}, Kubernetes ${graph.kubernetesVersion}, control plane ${mode}`, width, INDENT).map(style.bold),
    ...wrap(`API ${graph.api.endpoint} (${via})`, width, INDENT),
    ...wrap(`etcd ${members.join(", ")} (${count}; clients :${ETCD_CLIENT_PORT}, peers :${ETCD_PEER_PORT})`, width, INDENT),
  ];
  if (graph.network.nodeSubnetSource === "assumed") {
    const note = `addresses as if on ${graph.network.nodeSubnet}: lab up picks the lab's node subnet when it creates the lab`;
    lines.push(...wrap(note, width, INDENT).map(style.dim));
  }
  return lines;
}

/** The drawing of a lab's topology, as lines of at most `options.width` columns. Pure. */
export function drawGraph(graph: LabGraph, options: DrawOptions): string {
  const { style } = options;
  const perRow = Math.max(1, Math.floor((options.width + GAP) / (BOX_WIDTH + GAP)));
  const width = perRow * (BOX_WIDTH + GAP) - GAP;
  const lines = [...header(graph, width, style), ""];
  for (const tier of tiers(graph)) lines.push(style.bold(tier.title), ...tierRows(tier, width, style));
  const connections = connectionLines(graph.edges);
  if (connections.length > 0) {
    lines.push("", style.bold("connections"));
    for (const line of connections) lines.push(...wrap(line, width - INDENT.length, INDENT + INDENT).map((l) => `${INDENT}${l}`));
  }
  lines.push("", ...networkBox(graph, width, style));
  return `${lines.join("\n")}\n`;
}
