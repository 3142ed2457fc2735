/**
 * The semantic rules, table-driven: each case is a small lab file (one line per array entry, so
 * line numbers are the entry's index + 1) and every problem it must produce, no more.
 */
import { describe, expect, it } from "vitest";
import { labObjectSchema, labSchema } from "../../src/config/lab-schema.js";
import { parseLab } from "../../src/config/load-lab.js";
import { LabFileError, type Problem } from "../../src/config/problem.js";
import { validateLab } from "../../src/config/validate-lab.js";

interface Expected {
  line: number;
  col: number;
  severity?: Problem["severity"];
  /** A fragment of the message. */
  message: string;
  /** A fragment of the hint. */
  hint: string;
}

interface Case {
  name: string;
  lines: string[];
  expected: Expected[];
}

/** Every problem of a lab file: the error's problems, or the warnings of a lab that loaded. */
function problemsOf(lines: string[]): Problem[] {
  try {
    return parseLab(`${lines.join("\n")}\n`, "lab.yaml").warnings;
  } catch (error) {
    if (error instanceof LabFileError) return error.problems;
    throw error;
  }
}


function expectProblems(actual: Problem[], expected: Expected[]): void {
  expect(actual).toEqual(
    expected.map((e) =>
      expect.objectContaining({
        file: "lab.yaml",
        line: e.line,
        col: e.col,
        severity: e.severity ?? "error",
        message: expect.stringContaining(e.message),
        hint: expect.stringContaining(e.hint),
      }),
    ),
  );
}

const HEAD = ["name: demo", "kubernetesVersion: v1.20.2"];
const ALL_ROLES = "  - {name: n1, roles: [etcd, controlplane, worker]}";

/** A one-node lab with these `network` lines; line i of them is file line 4 + i. */
function withNetwork(...network: string[]): string[] {
  return [...HEAD, "network:", ...network.map((l) => `  ${l}`), "nodes:", ALL_ROLES];
}

/** A lab with node subnet 172.30.0.0/24 whose one node has this ip, on line 8, column 9. */
function withNodeIp(ip: string): string[] {
  return [...HEAD, "network:", "  nodeSubnet: 172.30.0.0/24", "nodes:", "  - name: n1", "    roles: [etcd, controlplane, worker]", `    ip: ${ip}`];
}

/** A lab with these nodes (flow mappings, one per line from line 4). */
function withNodes(...nodes: string[]): string[] {
  return [...HEAD, "nodes:", ...nodes.map((n) => `  - ${n}`)];
}

/** A lab whose pod network has room for two kubelet nodes, with one control plane node and two workers. */
function podRoom(controlPlane: string): string[] {
  return [
    ...HEAD,
    "network:",
    "  podCidr: 10.244.0.0/25",
    "  podSubnetPrefix: 26",
    `controlPlane: ${controlPlane}`,
    "nodes:",
    "  - {name: cp, roles: [etcd, controlplane]}",
    "  - {name: w1, roles: [worker]}",
    "  - {name: w2, roles: [worker]}",
  ];
}

const nameCases: Case[] = [
  {
    name: "lab name with upper case and '_'",
    lines: ["name: My_Lab", ...HEAD.slice(1), "nodes:", ALL_ROLES],
    expected: [{ line: 1, col: 7, message: 'lab name "My_Lab" is not a valid name', hint: "lower-case letters, digits and '-', starting and ending with a letter or digit, e.g. \"my-lab\"" }],
  },
  {
    name: "lab name starting with '-'",
    lines: ["name: -lab", ...HEAD.slice(1), "nodes:", ALL_ROLES],
    expected: [{ line: 1, col: 7, message: 'lab name "-lab" is not a valid name', hint: 'e.g. "lab"' }],
  },
  {
    name: "lab name longer than 40 characters",
    lines: [`name: ${"a".repeat(41)}`, ...HEAD.slice(1), "nodes:", ALL_ROLES],
    expected: [{ line: 1, col: 7, message: "is 41 characters long, more than 40", hint: "the lab name prefixes the names of the lab's containers and network" }],
  },
  {
    name: "node name that is not a hostname",
    lines: withNodes("{name: Node_1, roles: [etcd, controlplane, worker]}"),
    expected: [{ line: 4, col: 12, message: 'node name "Node_1" is not a valid hostname', hint: 'e.g. "node-1"' }],
  },
  {
    name: "node name longer than 63 characters",
    lines: withNodes(`{name: ${"n".repeat(64)}, roles: [etcd, controlplane, worker]}`),
    expected: [{ line: 4, col: 12, message: "is 64 characters long, more than 63", hint: "node names are hostnames" }],
  },
  {
    name: "duplicate node names",
    lines: withNodes("{name: n1, roles: [etcd, controlplane]}", "{name: n1, roles: [worker]}"),
    expected: [{ line: 5, col: 12, message: 'duplicate node name "n1": node 1 has it too', hint: "must be unique in a lab: rename one of the nodes" }],
  },
];

const nodeIpCases: Case[] = [
  {
    name: "node IP outside the node subnet",
    lines: withNodeIp("10.0.0.5"),
    expected: [
      {
        line: 8,
        col: 9,
        message: "node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24",
        hint: 'pick an address inside 172.30.0.0/24, or leave "ip" out to have one assigned',
      },
    ],
  },
  {
    name: "node IP that is not IPv4",
    lines: withNodeIp("172.30.0.300"),
    expected: [{ line: 8, col: 9, message: 'node IP "172.30.0.300" is not an IPv4 address', hint: "write a dotted-quad address inside 172.30.0.0/24" }],
  },
  {
    name: "node IP that is the network address",
    lines: withNodeIp("172.30.0.0"),
    expected: [{ line: 8, col: 9, message: "node IP 172.30.0.0 is the network address of the node subnet 172.30.0.0/24", hint: "are reserved: pick another address inside 172.30.0.0/24" }],
  },
  {
    name: "node IP that is the gateway",
    lines: withNodeIp("172.30.0.1"),
    expected: [{ line: 8, col: 9, message: "node IP 172.30.0.1 is the gateway of the node subnet 172.30.0.0/24", hint: "the gateway (the first address)" }],
  },
  {
    name: "node IP that is the broadcast address",
    lines: withNodeIp("172.30.0.255"),
    expected: [{ line: 8, col: 9, message: "node IP 172.30.0.255 is the broadcast address of the node subnet 172.30.0.0/24", hint: "the broadcast address are reserved" }],
  },
  {
    name: "fixed node IP without a node subnet",
    lines: [...HEAD, "nodes:", "  - name: n1", "    roles: [etcd, controlplane, worker]", "    ip: 10.0.0.5"],
    expected: [{ line: 6, col: 9, message: "node IP 10.0.0.5 is fixed but the lab sets no nodeSubnet", hint: "set network.nodeSubnet to the network holding it (e.g. 10.0.0.0/24)" }],
  },
  {
    name: "duplicate node IPs",
    lines: [
      ...HEAD,
      "network: {nodeSubnet: 172.30.0.0/24}",
      "nodes:",
      "  - name: n1",
      "    roles: [etcd, controlplane, worker]",
      "    ip: 172.30.0.20",
      "  - name: n2",
      "    roles: [worker]",
      "    ip: 172.30.0.20",
    ],
    expected: [{ line: 10, col: 9, message: 'node IP 172.30.0.20 is already used by node "n1"', hint: "every node needs its own address" }],
  },
  {
    name: "node subnet with no room from .10 up for the nodes without a fixed ip",
    lines: [
      ...HEAD,
      "network:",
      "  nodeSubnet: 172.30.0.0/28",
      "nodes:",
      "  - {name: n1, roles: [etcd, controlplane], ip: 172.30.0.10}",
      "  - {name: n2, roles: [worker], ip: 172.30.0.11}",
      "  - {name: n3, roles: [worker], ip: 172.30.0.12}",
      "  - {name: n4, roles: [worker]}",
      "  - {name: n5, roles: [worker]}",
      "  - {name: n6, roles: [worker]}",
    ],
    expected: [
      {
        line: 4,
        col: 15,
        message: 'the node subnet 172.30.0.0/28 is too small for 3 nodes without a fixed "ip": addresses are assigned from its 10th address up, which leaves room for 2',
        hint: "use a larger nodeSubnet, e.g. a /24",
      },
    ],
  },
];

const networkCases: Case[] = [
  {
    name: "nodeSubnet that is not CIDR",
    lines: withNetwork("nodeSubnet: 172.30.0.0"),
    expected: [{ line: 4, col: 15, message: 'nodeSubnet "172.30.0.0" is not an IPv4 network in CIDR notation', hint: "e.g. 172.30.0.0/24" }],
  },
  {
    name: "podCidr with a prefix over 32",
    lines: withNetwork("podCidr: 10.244.0.0/33"),
    expected: [{ line: 4, col: 12, message: 'podCidr "10.244.0.0/33" is not an IPv4 network in CIDR notation', hint: "e.g. 10.244.0.0/16" }],
  },
  {
    name: "podCidr with an octet over 255",
    lines: withNetwork("podCidr: 10.300.0.0/16"),
    expected: [{ line: 4, col: 12, message: 'podCidr "10.300.0.0/16" is not an IPv4 network in CIDR notation', hint: "e.g. 10.244.0.0/16" }],
  },
  {
    name: "serviceCidr with host bits set",
    lines: withNetwork("serviceCidr: 10.96.0.1/24"),
    expected: [{ line: 4, col: 16, message: 'serviceCidr "10.96.0.1/24" has host bits set: the network is 10.96.0.0/24', hint: "write the network address and the prefix length" }],
  },
  {
    name: "nodeSubnet overlapping the default podCidr",
    lines: withNetwork("nodeSubnet: 10.244.10.0/24"),
    expected: [{ line: 4, col: 15, message: "nodeSubnet 10.244.10.0/24 overlaps podCidr 10.244.0.0/16", hint: "must not share addresses: pick a nodeSubnet outside 10.244.0.0/16" }],
  },
  {
    name: "nodeSubnet overlapping serviceCidr",
    lines: withNetwork("nodeSubnet: 10.96.0.0/25"),
    expected: [{ line: 4, col: 15, message: "nodeSubnet 10.96.0.0/25 overlaps serviceCidr 10.96.0.0/24", hint: "pick a nodeSubnet outside 10.96.0.0/24" }],
  },
  {
    name: "serviceCidr overlapping podCidr",
    lines: withNetwork("serviceCidr: 10.244.128.0/24"),
    expected: [{ line: 4, col: 16, message: "serviceCidr 10.244.128.0/24 overlaps podCidr 10.244.0.0/16", hint: "pick a serviceCidr outside 10.244.0.0/16" }],
  },
  {
    name: "dnsIp that is not IPv4",
    lines: withNetwork("dnsIp: 10.96.0"),
    expected: [{ line: 4, col: 10, message: 'dnsIp "10.96.0" is not an IPv4 address', hint: "or leave dnsIp out to use its 10th address" }],
  },
  {
    name: "dnsIp outside serviceCidr",
    lines: withNetwork("dnsIp: 10.97.0.10"),
    expected: [{ line: 4, col: 10, message: "dnsIp 10.97.0.10 is outside serviceCidr 10.96.0.0/24", hint: "pick another address inside 10.96.0.0/24, or leave dnsIp out to use 10.96.0.10" }],
  },
  {
    name: "dnsIp that is the kubernetes Service address",
    lines: withNetwork("dnsIp: 10.96.0.1"),
    expected: [{ line: 4, col: 10, message: "dnsIp 10.96.0.1 is the kubernetes Service address, the first address of serviceCidr 10.96.0.0/24", hint: "pick another address inside 10.96.0.0/24" }],
  },
  {
    name: "dnsIp that is the network address",
    lines: withNetwork("dnsIp: 10.96.0.0"),
    expected: [{ line: 4, col: 10, message: "dnsIp 10.96.0.0 is the network address of serviceCidr 10.96.0.0/24", hint: "leave dnsIp out to use 10.96.0.10" }],
  },
  {
    name: "dnsIp that is the broadcast address",
    lines: withNetwork("dnsIp: 10.96.0.255"),
    expected: [{ line: 4, col: 10, message: "dnsIp 10.96.0.255 is the broadcast address of serviceCidr 10.96.0.0/24", hint: "pick another address inside 10.96.0.0/24" }],
  },
  {
    name: "serviceCidr too small for the default dnsIp",
    lines: withNetwork("serviceCidr: 10.96.0.0/29"),
    expected: [{ line: 4, col: 16, message: "serviceCidr 10.96.0.0/29 is too small for the default DNS Service address, its 10th address", hint: "or set dnsIp" }],
  },
  {
    name: "podSubnetPrefix shorter than the prefix of podCidr",
    lines: withNetwork("podCidr: 10.244.0.0/20", "podSubnetPrefix: 16"),
    expected: [{ line: 5, col: 20, message: "podSubnetPrefix 16 is shorter than the prefix of podCidr 10.244.0.0/20", hint: "use a podSubnetPrefix of 20 or more, or a larger podCidr" }],
  },
  {
    name: "podCidr too small for the workers",
    lines: [...podRoom("systemd"), "  - {name: w3, roles: [worker]}"],
    expected: [
      {
        line: 4,
        col: 12,
        message: "podCidr 10.244.0.0/25 has room for 2 /26 slices but the lab has 3 kubelet nodes",
        hint: "every kubelet node (workers) gets its own /26 of podCidr: use a podCidr of /24 or larger, or a longer podSubnetPrefix",
      },
    ],
  },
  {
    name: "podCidr too small once static-pods control plane nodes run kubelet too",
    lines: podRoom("static-pods"),
    expected: [{ line: 4, col: 12, message: "has room for 2 /26 slices but the lab has 3 kubelet nodes", hint: "(workers and control plane nodes)" }],
  },
  {
    name: "podCidr that is a default, positioned at the network mapping",
    lines: [...HEAD, "network:", "  podSubnetPrefix: 16", "nodes:", "  - {name: cp, roles: [etcd, controlplane]}", "  - {name: w1, roles: [worker]}", "  - {name: w2, roles: [worker]}"],
    expected: [{ line: 4, col: 3, message: "podCidr 10.244.0.0/16 has room for 1 /16 slice but the lab has 2 kubelet nodes", hint: "use a podCidr of /15 or larger" }],
  },
  {
    name: "clusterDomain that is not a DNS name",
    lines: withNetwork("clusterDomain: Cluster_Local"),
    expected: [{ line: 4, col: 18, message: 'clusterDomain "Cluster_Local" is not a valid DNS name', hint: "e.g. cluster.local" }],
  },
  {
    name: "clusterDomain with an empty label",
    lines: withNetwork("clusterDomain: cluster..local"),
    expected: [{ line: 4, col: 18, message: 'clusterDomain "cluster..local" is not a valid DNS name', hint: "dot-separated labels" }],
  },
];

const roleCases: Case[] = [
  {
    name: "no controlplane node",
    lines: withNodes("{name: n1, roles: [etcd, worker]}"),
    expected: [{ line: 4, col: 3, message: "the lab has no node with role controlplane", hint: 'add "controlplane" to the roles of a node: the API server, controller manager and scheduler run there' }],
  },
  {
    name: "no etcd node",
    lines: withNodes("{name: n1, roles: [controlplane, worker]}"),
    expected: [{ line: 4, col: 3, message: "the lab has no node with role etcd", hint: 'add "etcd" to the roles of a node' }],
  },
  {
    name: "no worker node",
    lines: withNodes("{name: n1, roles: [etcd, controlplane]}"),
    expected: [{ line: 4, col: 3, message: "the lab has no node with role worker: nothing can run pods", hint: 'add "worker" to the roles of a node' }],
  },
  {
    name: "a role listed twice in one node",
    lines: withNodes("{name: n1, roles: [etcd, controlplane, worker, etcd]}"),
    expected: [{ line: 4, col: 52, severity: "warning", message: 'node "n1" lists role etcd twice', hint: "remove the repeated role" }],
  },
  {
    name: "two etcd members",
    lines: withNodes("{name: n1, roles: [etcd, controlplane, worker]}", "{name: n2, roles: [etcd]}"),
    expected: [
      {
        line: 4,
        col: 3,
        severity: "warning",
        message: "the lab has 2 etcd members, which tolerate no more failures than 1: none, losing either member stops writes",
        hint: "adds a member without adding fault tolerance: use 1 or 3",
      },
    ],
  },
  {
    name: "four etcd members",
    lines: withNodes(
      "{name: n1, roles: [etcd, controlplane, worker]}",
      "{name: n2, roles: [etcd]}",
      "{name: n3, roles: [etcd]}",
      "{name: n4, roles: [etcd]}",
    ),
    expected: [{ line: 4, col: 3, severity: "warning", message: "the lab has 4 etcd members, which tolerate no more failures than 3: one", hint: "use 3 or 5" }],
  },
];

/** A lab with these groups (flow mappings, one per line from line 4) and no listed node. */
function withGroups(...groups: string[]): string[] {
  return [...HEAD, "groups:", ...groups.map((g) => `  - ${g}`)];
}

const LONG_PREFIX = "p".repeat(62);

const groupCases: Case[] = [
  {
    name: "group prefix that makes names that are not hostnames",
    lines: withGroups("{prefix: Fed_Node, roles: [etcd, controlplane, worker], count: 3}"),
    expected: [{ line: 4, col: 14, message: 'node name "Fed_Node1" (from group "Fed_Node") is not a valid hostname', hint: 'e.g. "fed-node"' }],
  },
  {
    name: "group prefix starting with '-'",
    lines: withGroups("{prefix: -node, roles: [etcd, controlplane, worker], count: 1}"),
    expected: [{ line: 4, col: 14, message: 'node name "-node1" (from group "-node") is not a valid hostname', hint: 'e.g. "node"' }],
  },
  {
    name: "group prefix that is wrong even with a count of 0",
    lines: [...withGroups("{prefix: Spare, roles: [worker], count: 0}"), "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 14, message: 'group prefix "Spare" makes node names like "Spare1" that are not valid hostnames', hint: 'e.g. "spare"' }],
  },
  {
    name: "group prefix too long for its max, though not for its count",
    lines: withGroups(`{prefix: ${LONG_PREFIX}, roles: [etcd, controlplane, worker], count: 1, max: 10}`),
    expected: [
      {
        line: 4,
        col: 14,
        message: `group "${LONG_PREFIX}" makes node names up to "${LONG_PREFIX}10" (its max 10), 64 characters long, more than 63`,
        hint: 'shorten the prefix to 61 characters or less, or lower "max"',
      },
    ],
  },
  {
    name: "group prefix too long for its count",
    lines: withGroups(`{prefix: ${"p".repeat(63)}, roles: [etcd, controlplane, worker], count: 1}`),
    expected: [{ line: 4, col: 14, message: `node name "${"p".repeat(63)}1" (from group "${"p".repeat(63)}") is 64 characters long, more than 63`, hint: "shorten the prefix to 62 characters or less" }],
  },
  {
    name: "a role listed twice in a group",
    lines: withGroups("{prefix: n, roles: [etcd, controlplane, worker, worker], count: 3}"),
    expected: [{ line: 4, col: 53, severity: "warning", message: 'group "n" lists role worker twice', hint: "remove the repeated role" }],
  },
  {
    name: "a listed node named like a node of a group",
    lines: [...withNodes("{name: n2, roles: [etcd, controlplane, worker]}"), "groups:", "  - {prefix: n, roles: [worker], count: 3}"],
    expected: [{ line: 6, col: 14, message: 'duplicate node name "n2" (from group "n"): node 1 of "nodes" has it too', hint: "rename the listed node, or change the group's prefix" }],
  },
  {
    name: "two groups with the same prefix, reported once",
    lines: withGroups("{prefix: n, roles: [etcd, controlplane, worker], count: 1}", "{prefix: n, roles: [worker], count: 2}"),
    expected: [{ line: 5, col: 14, message: 'duplicate node name "n1" (from group "n"): group "n" makes it too', hint: "change the prefix of one of the groups" }],
  },
  {
    name: "a role no group or node has, at the groups of a lab without listed nodes",
    lines: withGroups("{prefix: n, roles: [etcd, controlplane], count: 1}"),
    expected: [{ line: 4, col: 3, message: "the lab has no node with role worker: nothing can run pods", hint: 'add "worker" to the roles of a node or a group' }],
  },
  {
    name: "two etcd members from a group",
    lines: [...withNodes("{name: cp, roles: [controlplane, worker]}"), "groups:", "  - {prefix: etcd-, roles: [etcd], count: 2}"],
    // One group makes every member: the warning is at its count, where the number can change.
    expected: [{ line: 6, col: 43, severity: "warning", message: "the lab has 2 etcd members", hint: "use 1 or 3" }],
  },
  {
    name: "group nodes that do not fit in the pod network",
    lines: [...HEAD, "network: {podCidr: 10.244.0.0/23}", "nodes:", "  - {name: cp, roles: [etcd, controlplane]}", "groups:", "  - {prefix: w, roles: [worker], count: 3}"],
    expected: [{ line: 3, col: 20, message: "podCidr 10.244.0.0/23 has room for 2 /24 slices but the lab has 3 kubelet nodes", hint: "use a podCidr of /22 or larger" }],
  },
];

/** A lab with a control plane, etcd and worker node (line 4) and these nodes after it (from line 5). */
function withServerAnd(...nodes: string[]): string[] {
  return withNodes("{name: cp, roles: [etcd, controlplane, worker]}", ...nodes);
}

const loadBalancerCases: Case[] = [
  {
    name: "two load balancers, at the second one's roles",
    lines: withServerAnd("{name: lb1, roles: [loadbalancer]}", "{name: lb2, roles: [loadbalancer]}"),
    expected: [{ line: 6, col: 24, message: "the lab has 2 load balancers", hint: "one load balancer serves every API server: keep one node with role loadbalancer" }],
  },
  {
    name: "a group of two load balancers, at the group's roles",
    lines: [...withServerAnd(), "groups:", "  - {prefix: lb, roles: [loadbalancer], count: 2}"],
    expected: [{ line: 6, col: 25, message: "the lab has 2 load balancers", hint: "keep one node with role loadbalancer" }],
  },
  {
    name: "a load balancer that is also a worker",
    lines: withServerAnd("{name: lb, roles: [loadbalancer, worker]}"),
    expected: [{ line: 5, col: 23, message: 'node "lb" is a load balancer and worker', hint: "the load balancer listens on the API server's port: give it a node of its own" }],
  },
  {
    name: "a load balancer on the control plane node itself, naming every other role",
    lines: withNodes("{name: n1, roles: [etcd, controlplane, worker, loadbalancer]}"),
    expected: [{ line: 4, col: 23, message: 'node "n1" is a load balancer and etcd, controlplane, worker', hint: "give it a node of its own" }],
  },
  {
    name: "a group of load balancers that are also etcd members, at the group's roles",
    lines: [...withServerAnd(), "groups:", "  - {prefix: lb, roles: [loadbalancer, etcd], count: 1}"],
    expected: [
      { line: 4, col: 3, severity: "warning", message: "the lab has 2 etcd members", hint: "use 1 or 3" },
      { line: 6, col: 25, message: "is a load balancer and etcd", hint: "give it a node of its own" },
    ],
  },
  {
    name: "a load balancer and no controlplane node: nothing to balance",
    lines: withNodes("{name: n1, roles: [etcd, worker]}", "{name: lb, roles: [loadbalancer]}"),
    expected: [
      { line: 4, col: 3, message: "the lab has no node with role controlplane", hint: 'add "controlplane" to the roles of a node' },
      { line: 5, col: 23, message: "the lab has a load balancer but no controllers behind it", hint: "add nodes with role controlplane: the load balancer forwards to their API servers" },
    ],
  },
  {
    name: "two load balancers, one with another role, and no controlplane node: every problem at once",
    lines: withNodes("{name: n1, roles: [etcd, worker]}", "{name: lb1, roles: [loadbalancer, worker]}", "{name: lb2, roles: [loadbalancer]}"),
    expected: [
      { line: 4, col: 3, message: "the lab has no node with role controlplane", hint: 'add "controlplane"' },
      { line: 5, col: 24, message: 'node "lb1" is a load balancer and worker', hint: "give it a node of its own" },
      { line: 5, col: 24, message: "the lab has a load balancer but no controllers behind it", hint: "add nodes with role controlplane" },
      { line: 6, col: 24, message: "the lab has 2 load balancers", hint: "keep one node with role loadbalancer" },
    ],
  },
];

/** A lab with a listed control plane and worker node (line 4) and, on line 6, this group. */
function withNodeAndGroup(group: string): string[] {
  return [...withNodes("{name: cp, roles: [controlplane, worker]}"), "groups:", `  - ${group}`];
}

const countCases: Case[] = [
  {
    name: "an etcd count the group's counts leave out, at the count, with the reason",
    lines: withNodeAndGroup("{prefix: etcd, roles: [etcd], count: 4, max: 5, counts: [1, 2, 3, 5]}"),
    expected: [
      {
        line: 6,
        col: 42,
        message: 'group "etcd": count 4 is not one this lab supports (1, 2, 3, 5)',
        hint: "choose one of 1, 2, 3, 5: etcd needs an odd number of members to gain fault tolerance",
      },
      // The even-membership warning stays beside the error, at the same count.
      { line: 6, col: 42, severity: "warning", message: "the lab has 4 etcd members", hint: "use 3 or 5" },
    ],
  },
  {
    name: "a count of 0 the counts leave out",
    lines: [...withNodes(ALL_ROLES.slice(4)), "groups:", "  - {prefix: w, roles: [worker], count: 0, counts: [1, 2]}"],
    expected: [{ line: 6, col: 41, message: 'group "w": count 0 is not one this lab supports (1, 2)', hint: "choose one of 1, 2" }],
  },
  {
    name: "a count over max is the max's problem, not the counts'",
    lines: withNodeAndGroup("{prefix: etcd, roles: [etcd], count: 7, max: 5, counts: [1, 3, 5]}"),
    expected: [{ line: 6, col: 42, message: 'group "etcd": count 7 is more than its max 5', hint: 'lower count to 5 or less, or raise "max"' }],
  },
  {
    name: "an empty counts list",
    lines: withNodeAndGroup("{prefix: etcd, roles: [etcd], count: 1, counts: []}"),
    expected: [{ line: 6, col: 53, message: "groups[0].counts: a group's counts list needs at least one count", hint: "counts: the only counts this lab supports (e.g. [1, 2, 3, 5] etcd members); any up to max when left out" }],
  },
];

const listCases: Case[] = [
  {
    name: "a check listed twice",
    lines: [...HEAD, "nodes:", ALL_ROLES, "checks: [nodes-ready, pod-logs, nodes-ready]"],
    expected: [{ line: 5, col: 33, severity: "warning", message: 'check "nodes-ready" is listed twice', hint: "remove the repeated entry" }],
  },
  {
    name: "an addon listed twice",
    lines: [...HEAD, "nodes:", ALL_ROLES, "addons: [coredns, coredns]"],
    expected: [{ line: 5, col: 19, severity: "warning", message: 'addon "coredns" is listed twice', hint: "remove the repeated entry" }],
  },
];

describe("semantic validation", () => {
  describe.each([
    ["names", nameCases],
    ["node addresses", nodeIpCases],
    ["networks", networkCases],
    ["roles", roleCases],
    ["lists", listCases],
    ["groups", groupCases],
    ["load balancers", loadBalancerCases],
    ["group counts", countCases],
  ])("%s", (_group, cases) => {
    it.each(cases)("$name", ({ lines, expected }) => {
      expectProblems(problemsOf(lines), expected);
    });
  });

  it.each([
    ["the lab name at the 40-character limit", [`name: ${"a".repeat(40)}`, ...HEAD.slice(1), "nodes:", ALL_ROLES]],
    ["a node name at the 63-character limit", withNodes(`{name: ${"n".repeat(63)}, roles: [etcd, controlplane, worker]}`)],
    ["three etcd members", withNodes("{name: n1, roles: [etcd, controlplane, worker]}", "{name: n2, roles: [etcd]}", "{name: n3, roles: [etcd]}")],
    ["the same pod network with a systemd control plane", podRoom("systemd")],
    ["a /29 serviceCidr with an explicit dnsIp", withNetwork("serviceCidr: 10.96.0.0/29", "dnsIp: 10.96.0.5")],
    ["a /28 node subnet for one node", withNetwork("nodeSubnet: 172.30.0.0/28")],
    ["a group prefix ending with '-'", withGroups("{prefix: node-, roles: [etcd, controlplane, worker], count: 1}")],
    ["a group prefix at the length limit for its max", withGroups(`{prefix: ${"p".repeat(61)}, roles: [etcd, controlplane, worker], count: 1, max: 32}`)],
    ["a group with a count of 0 beside listed nodes", [...withGroups("{prefix: w, roles: [worker], count: 0}"), "nodes:", ALL_ROLES]],
    ["one load balancer on a node of its own, in front of a control plane", withServerAnd("{name: lb, roles: [loadbalancer]}")],
    ["a load balancer made by a group of one", [...withServerAnd(), "groups:", "  - {prefix: lb, roles: [loadbalancer], count: 1}"]],
    ["a count its group's counts list", withNodeAndGroup("{prefix: etcd, roles: [etcd], count: 3, max: 5, counts: [1, 3, 5]}")],
    ["a count of 0 its group's counts list", [...withGroups("{prefix: w, roles: [worker], count: 0, counts: [0, 1]}"), "nodes:", ALL_ROLES]],
  ])("accepts %s", (_name, lines) => {
    expect(problemsOf(lines)).toEqual([]);
  });
});

describe("validateLab", () => {
  it("finds nothing wrong with a sound lab", () => {
    const lab = labSchema.parse({ name: "ok", kubernetesVersion: "v1.20.2", nodes: [{ name: "n1", roles: ["etcd", "controlplane", "worker"] }] });
    expect(validateLab(lab)).toEqual([]);
  });

  it("gives every problem the path of the value it concerns", () => {
    const lab = labSchema.parse({
      name: "ok",
      kubernetesVersion: "v1.20.2",
      network: { nodeSubnet: "172.30.0.0/24" },
      nodes: [
        { name: "n1", roles: ["etcd", "controlplane", "worker"], ip: "172.30.0.10" },
        { name: "n1", roles: ["worker"], ip: "172.30.1.10" },
      ],
    });
    expect(validateLab(lab).map((p) => p.path)).toEqual([
      ["nodes", 1, "name"],
      ["nodes", 1, "ip"],
    ]);
  });
});

describe("validateLab with groups", () => {
  const input = {
    name: "ok",
    kubernetesVersion: "v1.20.2",
    nodes: [{ name: "n1", roles: ["etcd", "controlplane", "worker"] }],
    groups: [
      { prefix: "Work", roles: ["worker", "worker"], count: 2 },
      { prefix: "n", roles: ["worker"], count: 1 },
    ],
  };
  const lab = labSchema.parse(input);
  const { groups } = labObjectSchema.parse(input);

  it("positions problems of group-made nodes at their group", () => {
    expect(validateLab(lab, groups).map((p) => [p.path, p.message])).toEqual([
      [["groups", 1, "prefix"], 'duplicate node name "n1" (from group "n"): node 1 of "nodes" has it too'],
      [["groups", 0, "prefix"], 'node name "Work1" (from group "Work") is not a valid hostname'],
      [["groups", 0, "roles", 1], 'group "Work" lists role worker twice'],
    ]);
  });

  it("takes every node as listed when given no groups", () => {
    expect(validateLab(lab).map((p) => p.path)).toEqual([
      ["nodes", 1, "name"],
      ["nodes", 2, "name"],
      ["nodes", 3, "name"],
      ["nodes", 1, "roles", 1],
      ["nodes", 2, "roles", 1],
    ]);
  });
});

describe("validateLab: load balancers and group counts", () => {
  const server = { name: "cp", roles: ["etcd", "controlplane", "worker"] };

  it("gives the load balancer problems the path of the roles they concern", () => {
    const lab = labSchema.parse({
      name: "ok",
      kubernetesVersion: "v1.20.2",
      nodes: [server, { name: "lb1", roles: ["loadbalancer", "worker"] }, { name: "lb2", roles: ["loadbalancer"] }],
    });
    expect(validateLab(lab).map((p) => [p.path, p.severity, p.message])).toEqual([
      [["nodes", 2, "roles"], "error", "the lab has 2 load balancers"],
      [["nodes", 1, "roles"], "error", 'node "lb1" is a load balancer and worker'],
    ]);
  });

  it("says why only for etcd: another group's hint just lists its counts", () => {
    const input = {
      name: "ok",
      kubernetesVersion: "v1.20.2",
      nodes: [server],
      groups: [{ prefix: "w", roles: ["worker"], count: 3, counts: [1, 2, 4] }],
    };
    const problems = validateLab(labSchema.parse(input), labObjectSchema.parse(input).groups);
    expect(problems).toEqual([
      { path: ["groups", 0, "count"], severity: "error", message: 'group "w": count 3 is not one this lab supports (1, 2, 4)', hint: "choose one of 1, 2, 4" },
    ]);
  });

  it("leaves a group without counts free up to its max", () => {
    const input = { name: "ok", kubernetesVersion: "v1.20.2", nodes: [server], groups: [{ prefix: "w", roles: ["worker"], count: 7 }] };
    expect(validateLab(labSchema.parse(input), labObjectSchema.parse(input).groups)).toEqual([]);
  });
});

describe("checks and what they need", () => {
  it("asks for the coredns addon when the dns check is listed", () => {
    expectProblems(problemsOf([...HEAD, "nodes:", ALL_ROLES, "checks: [nodes-ready, dns]"]), [
      { line: 5, col: 23, message: 'check "dns" needs the coredns addon', hint: "add coredns to addons" },
    ]);
    expect(problemsOf([...HEAD, "nodes:", ALL_ROLES, "addons: [coredns]", "checks: [nodes-ready, dns]"])).toEqual([]);
  });
});
