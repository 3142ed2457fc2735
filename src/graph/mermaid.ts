/**
 * A lab's topology as Mermaid text (`lab graph NAME --mermaid`): a flowchart with one node per lab
 * node (name, roles, address, pod subnet) inside the lab network, the etcd members grouped as the
 * etcd cluster, the pod network with its overlay, and the load balancer's, API servers' and
 * workers' connections. GitHub, GitLab and most Markdown viewers draw it.
 */
import { ETCD_PEER_PORT } from "../plan/plan.js";
import { overlayDescription, podSubnetText, type GraphEdge, type GraphNode, type LabGraph } from "./lab-graph.js";

/** The Mermaid id of a lab node (hostnames have only letters, digits and '-'). */
function nodeId(name: string): string {
  return `n_${name.replace(/-/g, "_")}`;
}

/** Id of the etcd cluster's subgraph. */
const ETCD_CLUSTER = "etcd_cluster";
/** Id of the pod network's node. */
const POD_NETWORK = "pod_network";

/** A quoted Mermaid label of lines. */
function label(lines: readonly string[]): string {
  return `"${lines.map((line) => line.replace(/"/g, "#quot;")).join("<br/>")}"`;
}

/** A lab node's shape and label. */
function nodeLine(node: GraphNode): string {
  return `${nodeId(node.name)}[${label([node.name, node.roles.join(", "), node.ip, podSubnetText(node)])}]`;
}

/**
 * The lines of the edges: an API server using every etcd member gets one edge to the etcd
 * cluster, any other edge is drawn as it is.
 */
function edgeLines(graph: LabGraph): string[] {
  const members = new Set(graph.etcd.members.map((m) => m.name));
  const lines: string[] = [];
  const drawn = new Set<GraphEdge>();
  for (const server of graph.api.servers) {
    const toEtcd = graph.edges.filter((e) => e.kind === "etcd-client" && e.from === server);
    if (toEtcd.length === members.size && toEtcd.length > 0) {
      lines.push(`${nodeId(server)} -->|${label([toEtcd[0]!.label])}| ${ETCD_CLUSTER}`);
      for (const edge of toEtcd) drawn.add(edge);
    }
  }
  for (const edge of graph.edges) {
    if (!drawn.has(edge)) lines.push(`${nodeId(edge.from)} -->|${label([edge.label])}| ${nodeId(edge.to)}`);
  }
  return lines;
}

/** The Mermaid flowchart of a lab's topology. Pure: same graph, same text. */
export function mermaidGraph(graph: LabGraph): string {
  const { network } = graph;
  const members = new Set(graph.etcd.members.map((m) => m.name));
  const lines = [
    `%% lab ${graph.lab}: provider ${graph.provider}, Kubernetes ${graph.kubernetesVersion}, control plane ${graph.controlPlane}, API ${graph.api.endpoint}`,
  ];
  if (network.nodeSubnetSource === "assumed") {
    lines.push(`%% addresses as if on ${network.nodeSubnet}: lab up picks the lab's node subnet when it creates the lab`);
  }
  lines.push(`%% overlay ${overlayDescription(graph)}`);
  lines.push("flowchart TB");
  lines.push(`  subgraph lab_network[${label([`lab network ${network.nodeSubnet}, gateway ${network.gateway}`])}]`);
  lines.push("    direction TB");
  const count = members.size === 1 ? "1 member" : `${members.size} members`;
  lines.push(`    subgraph ${ETCD_CLUSTER}[${label([`etcd cluster: ${count}, peers :${ETCD_PEER_PORT}`])}]`);
  for (const node of graph.nodes.filter((n) => members.has(n.name))) lines.push(`      ${nodeLine(node)}`);
  lines.push("    end");
  for (const node of graph.nodes.filter((n) => !members.has(n.name))) lines.push(`    ${nodeLine(node)}`);
  lines.push("  end");
  lines.push(
    `  ${POD_NETWORK}([${label([
      `pod network ${network.podCidr}`,
      `services ${network.serviceCidr}, DNS ${network.dnsIp}`,
      `overlay ${network.overlay}`,
    ])}])`,
  );
  lines.push(...edgeLines(graph).map((line) => `  ${line}`));
  for (const node of graph.nodes) {
    if (node.podSubnetSource === "none") continue;
    const via = node.podSubnetSource === "plan" ? node.podSubnet! : "flannel lease";
    lines.push(`  ${nodeId(node.name)} -.-|${label([via])}| ${POD_NETWORK}`);
  }
  return `${lines.join("\n")}\n`;
}
