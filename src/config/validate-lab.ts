/**
 * Semantic validation of a lab: the rules the schema cannot express because they need more than
 * one field (overlapping networks, duplicates, addresses inside a subnet, role coverage). Pure:
 * every problem carries the path of the value it concerns, and the loader turns that path into a
 * line and column of the lab file.
 */
import { cidrProblem, contains, isIPv4, networkAddress, offsetOf, overlaps, prefixLength, size, subnetCount } from "../plan/ipv4.js";
import { FIRST_NODE_OFFSET, defaultDnsIp } from "../plan/plan.js";
import type { CheckId, Lab, NodeGroup, NodeRole, TlsCipherSuite } from "./lab-schema.js";
import type { Problem } from "./problem.js";

/** A problem found by {@link validateLab}: a {@link Problem} before it is given a file position. */
export interface SemanticProblem {
  /** Path of the value in the lab, e.g. `["network", "podCidr"]`. */
  path: Problem["path"];
  severity: Problem["severity"];
  message: string;
  hint: string;
}

/** Longest lab name: it prefixes the names of the lab's containers and network. */
export const MAX_LAB_NAME_LENGTH = 40;
/** Longest RFC 1123 label, hence longest node name. */
const MAX_LABEL_LENGTH = 63;

/** An RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit. */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest DNS name. */
const MAX_DNS_NAME_LENGTH = 253;
const LABEL_HINT = "use lower-case letters, digits and '-', starting and ending with a letter or digit";

type NetworkField = "nodeSubnet" | "podCidr" | "serviceCidr";
/** Example values of the network fields, for hints. */
const CIDR_EXAMPLES: Record<NetworkField, string> = {
  nodeSubnet: "172.30.0.0/24",
  podCidr: "10.244.0.0/16",
  serviceCidr: "10.96.0.0/24",
};

/**
 * Checks everything the schema cannot; returns errors and warnings, in no particular order.
 *
 * `groups` are the lab file's groups, as the schema read them: the schema expanded them into the
 * last nodes of `lab.nodes` (the listed nodes come first). With them, problems about a node a group
 * made are positioned at the group (its `prefix` for the name, its `roles` for the roles) and their
 * messages name the node and its group, since such a node has no place of its own in the file.
 * Without them every node counts as listed under `nodes`.
 */
export function validateLab(lab: Lab, groups: readonly NodeGroup[] = []): SemanticProblem[] {
  const origins = new NodeOrigins(lab, groups);
  const problems = [
    ...checkNames(lab, origins),
    ...checkGroups(groups),
    ...checkNodeIps(lab),
    ...checkNetworks(lab),
    ...checkRoles(lab, origins),
    ...checkRepeats(lab.checks ?? [], "checks", "check"),
    ...checkRepeats(lab.addons, "addons", "addon"),
    ...checkNeeds(lab),
    ...checkSecurity(lab),
  ];
  return problems.map((p) => ({ ...p, path: origins.filePath(p.path) }));
}

/** The group a node was made by: its index under `groups`, and its prefix. */
interface GroupMember {
  group: number;
  prefix: string;
}

/** Which nodes of a lab are listed under `nodes` and which a group made, for positions and messages. */
class NodeOrigins {
  /** How many nodes are listed under `nodes`: they come first. */
  readonly listed: number;
  private readonly members: ReadonlyArray<GroupMember | undefined>;

  constructor(
    lab: Lab,
    readonly groups: readonly NodeGroup[],
  ) {
    const made = groups.reduce((sum, g) => sum + g.count, 0);
    // Groups that cannot have made the last nodes (a caller's mistake) leave every node listed.
    const consistent = made <= lab.nodes.length;
    this.listed = consistent ? lab.nodes.length - made : lab.nodes.length;
    const members: GroupMember[] = consistent
      ? groups.flatMap((g, group) => Array.from({ length: g.count }, () => ({ group, prefix: g.prefix })))
      : [];
    this.members = [...Array.from({ length: this.listed }, () => undefined), ...members];
  }

  /** The group that made node `i`; undefined for a listed node. */
  memberOf(i: number): GroupMember | undefined {
    return this.members[i];
  }

  /** ` (from group "fed-node")` for a node a group made, nothing for a listed one. */
  from(i: number): string {
    const member = this.memberOf(i);
    return member === undefined ? "" : ` (from group "${member.prefix}")`;
  }

  /**
   * The path in the lab file of a value of the expanded lab: a node a group made is written as its
   * group (its name as the group's prefix, its roles as the group's roles), and the node list of a
   * lab that lists no node is its groups.
   */
  filePath(path: Problem["path"]): Problem["path"] {
    const [key, index, field, ...rest] = path;
    if (key !== "nodes") return path;
    if (index === undefined) return this.listed === 0 && this.groups.length > 0 ? ["groups"] : path;
    const member = typeof index === "number" ? this.memberOf(index) : undefined;
    if (member === undefined) return path;
    const group = ["groups", member.group];
    if (field === "name") return [...group, "prefix"];
    if (field === "roles") return [...group, "roles", ...rest];
    return group;
  }
}

/** What a check needs of the lab, and how to give it; checks missing here need nothing in particular. */
const CHECK_NEEDS: Partial<Record<CheckId, { has: (lab: Lab) => boolean; needs: string; fix: string }>> = {
  dns: { has: (lab) => lab.addons.includes("coredns"), needs: "the coredns addon", fix: "add coredns to addons" },
  "encryption-at-rest": {
    has: (lab) => lab.security.encryptionAtRest !== "none",
    needs: "Secrets encrypted at rest",
    fix: "set security.encryptionAtRest: aescbc",
  },
  "audit-log": { has: (lab) => lab.security.audit !== undefined, needs: "an audit log", fix: "add security.audit (e.g. audit: {maxSizeMb: 10})" },
  "tls-bootstrap": { has: (lab) => lab.security.kubeletBootstrap === "token", needs: "TLS bootstrapping", fix: "set security.kubeletBootstrap: token" },
  "anonymous-auth": { has: (lab) => !lab.security.apiAnonymousAuth, needs: "anonymous auth off", fix: "set security.apiAnonymousAuth: false" },
  "tls-policy": {
    has: (lab) => lab.security.tlsMinVersion !== undefined || lab.security.tlsCipherSuites !== undefined,
    needs: "a TLS policy",
    fix: "set security.tlsMinVersion and/or security.tlsCipherSuites",
  },
};

/** Checks asked for that the lab has nothing to check with. */
function checkNeeds(lab: Lab): SemanticProblem[] {
  return (lab.checks ?? []).flatMap((check, at) => {
    const need = CHECK_NEEDS[check];
    return need && !need.has(lab) ? [error(["checks", at], `check "${check}" needs ${need.needs}`, `${need.fix}, or remove the ${check} check`)] : [];
  });
}

/** The lab's hardening against its control plane mode, its keys and itself. */
function checkSecurity(lab: Lab): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const { security } = lab;
  if (lab.controlPlane === "static-pods") {
    if (security.kubeletBootstrap === "token") {
      problems.push(
        error(
          ["security", "kubeletBootstrap"],
          "kubeletBootstrap token needs controlPlane systemd",
          "with TLS bootstrapping kubelet starts no pod before the API server has signed its certificate, and with static pods kubelet is what starts the API server: use controlPlane: systemd, or kubeletBootstrap: certificate",
        ),
      );
    }
    if (!security.apiAnonymousAuth) {
      problems.push(
        error(
          ["security", "apiAnonymousAuth"],
          "apiAnonymousAuth false needs controlPlane systemd",
          "kubelet probes the static API server's /livez without credentials, and would restart it for every refusal: use controlPlane: systemd, or leave apiAnonymousAuth out",
        ),
      );
    }
  }
  const suites = security.tlsCipherSuites;
  if (suites) {
    suites.forEach((suite, j) => {
      if (suites.indexOf(suite) !== j) problems.push(warning(["security", "tlsCipherSuites", j], `cipher suite "${suite}" is listed twice`, "remove the repeated entry"));
    });
    const kind = lab.pki.keyAlgorithm === "ecdsa" ? "ECDSA" : "RSA";
    const required = `TLS_ECDHE_${kind}_WITH_AES_128_GCM_SHA256`;
    if (security.tlsMinVersion === "VersionTLS13") {
      problems.push(
        warning(
          ["security", "tlsCipherSuites"],
          "tlsCipherSuites has no effect with tlsMinVersion VersionTLS13",
          "TLS 1.3's cipher suites are not configurable: leave tlsCipherSuites out, or use tlsMinVersion VersionTLS12",
        ),
      );
    } else if (!suites.includes(required as TlsCipherSuite)) {
      problems.push(
        error(
          ["security", "tlsCipherSuites"],
          `tlsCipherSuites lacks ${required}`,
          `HTTP/2 (kubectl and the components talk it) requires it, and the lab's keys are ${kind}: add ${required}`,
        ),
      );
    }
  }
  return problems;
}

function error(path: Problem["path"], message: string, hint: string): SemanticProblem {
  return { path, severity: "error", message, hint };
}

function warning(path: Problem["path"], message: string, hint: string): SemanticProblem {
  return { path, severity: "warning", message, hint };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** A valid label close to `name`, for hints ("My_Lab" -> "my-lab"). */
function labelLike(name: string, fallback: string, maxLength: number): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, "");
  return label === "" ? fallback : label;
}

function checkNames(lab: Lab, origins: NodeOrigins): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  if (!LABEL.test(lab.name)) {
    problems.push(
      error(["name"], `lab name "${lab.name}" is not a valid name`, `${LABEL_HINT}, e.g. "${labelLike(lab.name, "my-lab", MAX_LAB_NAME_LENGTH)}"`),
    );
  }
  if (lab.name.length > MAX_LAB_NAME_LENGTH) {
    problems.push(
      error(
        ["name"],
        `lab name "${lab.name}" is ${lab.name.length} characters long, more than ${MAX_LAB_NAME_LENGTH}`,
        "shorten it: the lab name prefixes the names of the lab's containers and network",
      ),
    );
  }
  const firstWithName = new Map<string, number>();
  const reportedGroups = new Set<number>();
  lab.nodes.forEach((node, i) => {
    const path = ["nodes", i, "name"];
    const member = origins.memberOf(i);
    // The names a group makes are checked once, through its prefix (checkGroups).
    if (member === undefined && !LABEL.test(node.name)) {
      problems.push(
        error(path, `node name "${node.name}" is not a valid hostname`, `${LABEL_HINT}, e.g. "${labelLike(node.name, `node-${i + 1}`, MAX_LABEL_LENGTH)}"`),
      );
    }
    if (member === undefined && node.name.length > MAX_LABEL_LENGTH) {
      problems.push(
        error(path, `node name "${node.name}" is ${node.name.length} characters long, more than ${MAX_LABEL_LENGTH}`, "shorten it: node names are hostnames"),
      );
    }
    const first = firstWithName.get(node.name);
    if (first === undefined) firstWithName.set(node.name, i);
    else if (member === undefined) {
      problems.push(
        error(path, `duplicate node name "${node.name}": node ${first + 1} has it too`, "node names are hostnames and must be unique in a lab: rename one of the nodes"),
      );
    } else if (!reportedGroups.has(member.group)) {
      // One problem per group: a group that repeats names usually repeats all of them.
      reportedGroups.add(member.group);
      const firstMember = origins.memberOf(first);
      const other = firstMember === undefined ? `node ${first + 1} of "nodes" has it too` : `group "${firstMember.prefix}" makes it too`;
      const fix = firstMember === undefined ? "rename the listed node, or change the group's prefix" : "change the prefix of one of the groups";
      problems.push(
        error(path, `duplicate node name "${node.name}"${origins.from(i)}: ${other}`, `node names are hostnames and must be unique in a lab: ${fix}`),
      );
    }
  });
  return problems;
}

/**
 * The rules of groups: the prefix must make valid hostnames up to the group's largest number (its
 * max, which `--scale` may reach), and a role is listed once.
 */
function checkGroups(groups: readonly NodeGroup[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  groups.forEach((g, i) => {
    const path = ["groups", i, "prefix"];
    const first = `${g.prefix}1`;
    const largest = `${g.prefix}${g.max}`;
    // The number ends every name, so the prefix alone decides whether the names are labels.
    if (!LABEL.test(largest)) {
      const message =
        g.count > 0
          ? `node name "${first}" (from group "${g.prefix}") is not a valid hostname`
          : `group prefix "${g.prefix}" makes node names like "${first}" that are not valid hostnames`;
      problems.push(
        error(
          path,
          message,
          `use lower-case letters, digits and '-' in the prefix, starting with a letter or digit (the group's number ends each name), e.g. "${prefixLike(g.prefix)}"`,
        ),
      );
    }
    if (largest.length > MAX_LABEL_LENGTH) {
      const last = `${g.prefix}${g.count}`;
      const room = MAX_LABEL_LENGTH - String(g.max).length;
      const message =
        g.count > 0 && last.length > MAX_LABEL_LENGTH
          ? `node name "${last}" (from group "${g.prefix}") is ${last.length} characters long, more than ${MAX_LABEL_LENGTH}`
          : `group "${g.prefix}" makes node names up to "${largest}" (its max ${g.max}), ${largest.length} characters long, more than ${MAX_LABEL_LENGTH}`;
      problems.push(error(path, message, `shorten the prefix to ${plural(room, "character")} or less, or lower "max": node names are hostnames`));
    }
    if (g.counts && !g.counts.includes(g.count)) {
      problems.push(
        error(
          ["groups", i, "count"],
          `group "${g.prefix}": count ${g.count} is not one this lab supports (${g.counts.join(", ")})`,
          `choose one of ${g.counts.join(", ")}${g.roles.includes("etcd") ? ": etcd needs an odd number of members to gain fault tolerance" : ""}`,
        ),
      );
    }
    g.roles.forEach((role, j) => {
      if (g.roles.indexOf(role) !== j) {
        problems.push(warning(["groups", i, "roles", j], `group "${g.prefix}" lists role ${role} twice`, "remove the repeated role"));
      }
    });
  });
  return problems;
}

/** A valid group prefix close to `prefix`, for hints ("Fed_Node" -> "fed-node"). */
function prefixLike(prefix: string): string {
  const like = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "")
    .replace(/-+$/, "-")
    .slice(0, MAX_LABEL_LENGTH - 2);
  return like === "" ? "node-" : like;
}

function checkNodeIps(lab: Lab): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const subnet = lab.network.nodeSubnet;
  const subnetOk = subnet !== undefined && cidrProblem(subnet) === undefined;
  const keepOrAssign = `, or leave "ip" out to have one assigned`;
  const ownerOf = new Map<string, string>();
  lab.nodes.forEach((node, i) => {
    const ip = node.ip;
    if (ip === undefined) return;
    const path = ["nodes", i, "ip"];
    if (!isIPv4(ip)) {
      const where = subnetOk ? ` inside ${subnet}` : "";
      problems.push(error(path, `node IP "${ip}" is not an IPv4 address`, `write a dotted-quad address${where}${keepOrAssign}`));
      return;
    }
    const owner = ownerOf.get(ip);
    if (owner === undefined) ownerOf.set(ip, node.name);
    else problems.push(error(path, `node IP ${ip} is already used by node "${owner}"`, `every node needs its own address: change one of them${keepOrAssign}`));

    if (subnet === undefined) {
      problems.push(
        error(
          path,
          `node IP ${ip} is fixed but the lab sets no nodeSubnet`,
          `set network.nodeSubnet to the network holding it (e.g. ${networkAddress(`${ip}/24`)}/24)${keepOrAssign}`,
        ),
      );
    } else if (subnetOk) {
      const reserved = reservedRole(subnet, ip);
      if (!contains(subnet, ip)) {
        problems.push(error(path, `node IP ${ip} is outside the node subnet ${subnet}`, `pick an address inside ${subnet}${keepOrAssign}`));
      } else if (reserved !== undefined) {
        problems.push(
          error(
            path,
            `node IP ${ip} is the ${reserved} of the node subnet ${subnet}`,
            `the network address, the gateway (the first address) and the broadcast address are reserved: pick another address inside ${subnet}${keepOrAssign}`,
          ),
        );
      }
    }
  });
  if (subnetOk) problems.push(...checkNodeSubnetRoom(lab, subnet));
  return problems;
}

/** Which reserved address of `cidr` the in-range `ip` is, if any. */
function reservedRole(cidr: string, ip: string): string | undefined {
  if (!contains(cidr, ip)) return undefined;
  const offset = BigInt(offsetOf(cidr, ip));
  if (offset === 0n) return "network address";
  if (offset === size(cidr) - 1n) return "broadcast address";
  if (offset === 1n) return "gateway";
  return undefined;
}

/** The node subnet must hold the automatically assigned addresses (from FIRST_NODE_OFFSET up). */
function checkNodeSubnetRoom(lab: Lab, subnet: string): SemanticProblem[] {
  const assigned = lab.nodes.filter((n) => n.ip === undefined).length;
  if (assigned === 0) return [];
  const lastUsable = Number(size(subnet)) - 2;
  const taken = new Set(lab.nodes.flatMap((n) => (n.ip !== undefined && isIPv4(n.ip) && contains(subnet, n.ip) ? [offsetOf(subnet, n.ip)] : [])));
  let room = 0;
  for (let offset = FIRST_NODE_OFFSET; offset <= lastUsable && room < assigned; offset++) if (!taken.has(offset)) room++;
  if (room >= assigned) return [];
  return [
    error(
      ["network", "nodeSubnet"],
      `the node subnet ${subnet} is too small for ${plural(assigned, "node")} without a fixed "ip": addresses are assigned from its ${FIRST_NODE_OFFSET}th address up, which leaves room for ${room}`,
      `use a larger nodeSubnet, e.g. a /24, or give the nodes fixed "ip" addresses`,
    ),
  ];
}

function checkNetworks(lab: Lab): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const net = lab.network;
  const valid = new Map<NetworkField, string>();
  for (const field of ["nodeSubnet", "podCidr", "serviceCidr"] as const) {
    const value = net[field];
    if (value === undefined) continue;
    const problem = cidrProblem(value);
    if (problem === undefined) valid.set(field, value);
    else {
      problems.push(
        error(["network", field], `${field} ${problem}`, `write the network address and the prefix length, e.g. ${CIDR_EXAMPLES[field]}`),
      );
    }
  }

  // Point at the field most likely written by the user: nodeSubnet has no default.
  const pairs: ReadonlyArray<[at: NetworkField, other: NetworkField]> = [
    ["nodeSubnet", "podCidr"],
    ["nodeSubnet", "serviceCidr"],
    ["serviceCidr", "podCidr"],
  ];
  for (const [at, other] of pairs) {
    const a = valid.get(at);
    const b = valid.get(other);
    if (a === undefined || b === undefined || !overlaps(a, b)) continue;
    problems.push(
      error(
        ["network", at],
        `${at} ${a} overlaps ${other} ${b}`,
        `the node, pod and service networks must not share addresses: pick a ${at} outside ${b}`,
      ),
    );
  }

  const serviceCidr = valid.get("serviceCidr");
  problems.push(...checkDnsIp(net.dnsIp, serviceCidr));
  const podCidr = valid.get("podCidr");
  if (podCidr !== undefined) problems.push(...checkPodSlices(lab, podCidr));
  if (!isDnsName(net.clusterDomain)) {
    problems.push(
      error(
        ["network", "clusterDomain"],
        `clusterDomain "${net.clusterDomain}" is not a valid DNS name`,
        "use dot-separated labels of lower-case letters, digits and '-', e.g. cluster.local",
      ),
    );
  }
  return problems;
}

/** The DNS Service address must be a usable address of the service range. */
function checkDnsIp(dnsIp: string | undefined, serviceCidr: string | undefined): SemanticProblem[] {
  const path = ["network", "dnsIp"];
  if (dnsIp !== undefined && !isIPv4(dnsIp)) {
    return [error(path, `dnsIp "${dnsIp}" is not an IPv4 address`, `write a dotted-quad address inside serviceCidr, or leave dnsIp out to use its 10th address`)];
  }
  if (serviceCidr === undefined) return [];
  const defaultFits = size(serviceCidr) > 10n;
  if (dnsIp === undefined) {
    if (defaultFits) return [];
    return [
      error(
        ["network", "serviceCidr"],
        `serviceCidr ${serviceCidr} is too small for the default DNS Service address, its 10th address`,
        "use a larger serviceCidr, e.g. a /24, or set dnsIp",
      ),
    ];
  }
  const fix = `pick another address inside ${serviceCidr}${defaultFits ? `, or leave dnsIp out to use ${defaultDnsIp(serviceCidr)}` : ""}`;
  if (!contains(serviceCidr, dnsIp)) return [error(path, `dnsIp ${dnsIp} is outside serviceCidr ${serviceCidr}`, fix)];
  const offset = BigInt(offsetOf(serviceCidr, dnsIp));
  if (offset === 1n) {
    return [error(path, `dnsIp ${dnsIp} is the kubernetes Service address, the first address of serviceCidr ${serviceCidr}`, fix)];
  }
  const reserved = reservedRole(serviceCidr, dnsIp);
  if (reserved !== undefined) return [error(path, `dnsIp ${dnsIp} is the ${reserved} of serviceCidr ${serviceCidr}`, fix)];
  return [];
}

/** The nodes that run kubelet, each of which gets its own slice of the pod network. */
function kubeletNodeCount(lab: Lab): number {
  const staticPods = lab.controlPlane === "static-pods";
  return lab.nodes.filter((n) => n.roles.includes("worker") || (staticPods && n.roles.includes("controlplane"))).length;
}

function checkPodSlices(lab: Lab, podCidr: string): SemanticProblem[] {
  const slice = lab.network.podSubnetPrefix;
  const own = prefixLength(podCidr);
  if (slice < own) {
    return [
      error(
        ["network", "podSubnetPrefix"],
        `podSubnetPrefix ${slice} is shorter than the prefix of podCidr ${podCidr}`,
        `each node's /${slice} slice must fit inside podCidr: use a podSubnetPrefix of ${own} or more, or a larger podCidr`,
      ),
    ];
  }
  const kubelets = kubeletNodeCount(lab);
  const slices = subnetCount(podCidr, slice);
  if (kubelets <= slices) return [];
  const bits = Math.ceil(Math.log2(kubelets));
  const who = lab.controlPlane === "static-pods" ? "workers and control plane nodes" : "workers";
  return [
    error(
      ["network", "podCidr"],
      `podCidr ${podCidr} has room for ${plural(slices, `/${slice} slice`)} but the lab has ${plural(kubelets, "kubelet node")}`,
      `every kubelet node (${who}) gets its own /${slice} of podCidr: use a podCidr of /${slice - bits} or larger, or a longer podSubnetPrefix`,
    ),
  ];
}

function isDnsName(name: string): boolean {
  return name.length <= MAX_DNS_NAME_LENGTH && name.split(".").every((label) => label.length <= MAX_LABEL_LENGTH && LABEL.test(label));
}

const ROLE_PURPOSE: Record<NodeRole, string> = {
  controlplane: "the API server, controller manager and scheduler run there",
  etcd: "etcd stores the cluster state; the controlplane nodes often carry it too",
  worker: "a single node may carry all three roles",
  loadbalancer: "it puts one address in front of the API servers",
};

function checkRoles(lab: Lab, origins: NodeOrigins): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const role of ["controlplane", "etcd", "worker"] as const) {
    if (lab.nodes.some((n) => n.roles.includes(role))) continue;
    const consequence = role === "worker" ? ": nothing can run pods" : "";
    const where = origins.groups.length > 0 ? "a node or a group" : "a node";
    problems.push(error(["nodes"], `the lab has no node with role ${role}${consequence}`, `add "${role}" to the roles of ${where}: ${ROLE_PURPOSE[role]}`));
  }

  lab.nodes.forEach((node, i) => {
    // The roles of a group's nodes are its roles, checked once (checkGroups).
    if (origins.memberOf(i) !== undefined) return;
    node.roles.forEach((role, j) => {
      if (node.roles.indexOf(role) !== j) {
        problems.push(warning(["nodes", i, "roles", j], `node "${node.name}" lists role ${role} twice`, "remove the repeated role"));
      }
    });
  });

  problems.push(...checkLoadBalancer(lab, origins));

  const etcdNodes = lab.nodes.flatMap((n, i) => (n.roles.includes("etcd") ? [i] : []));
  const members = etcdNodes.length;
  if (members === 2 || members === 4) {
    const tolerated = members === 2 ? "none, losing either member stops writes" : "one";
    // When one group makes every member, its count is what to change.
    const groups = new Set(etcdNodes.map((i) => origins.memberOf(i)?.group));
    const [only] = groups;
    problems.push(
      warning(
        groups.size === 1 && only !== undefined ? ["groups", only, "count"] : ["nodes"],
        `the lab has ${members} etcd members, which tolerate no more failures than ${members - 1}: ${tolerated}`,
        `an even number of members adds a member without adding fault tolerance: use ${members - 1} or ${members + 1}`,
      ),
    );
  }
  return problems;
}

/** A load balancer needs a node of its own (it listens on the API port) and API servers to balance. */
function checkLoadBalancer(lab: Lab, origins: NodeOrigins): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const balancers = lab.nodes.flatMap((n, i) => (n.roles.includes("loadbalancer") ? [{ node: n, i }] : []));
  if (balancers.length > 1) {
    problems.push(error(["nodes", balancers[1]!.i, "roles"], `the lab has ${balancers.length} load balancers`, "one load balancer serves every API server: keep one node with role loadbalancer"));
  }
  for (const { node, i } of balancers) {
    if (node.roles.length > 1) {
      problems.push(
        error(["nodes", i, "roles"], `node "${node.name}"${origins.from(i)} is a load balancer and ${node.roles.filter((r) => r !== "loadbalancer").join(", ")}`, "the load balancer listens on the API server's port: give it a node of its own"),
      );
    }
  }
  if (balancers.length && !lab.nodes.some((n) => n.roles.includes("controlplane"))) {
    problems.push(error(["nodes", balancers[0]!.i, "roles"], "the lab has a load balancer but no controllers behind it", 'add nodes with role controlplane: the load balancer forwards to their API servers'));
  }
  return problems;
}

/** Warns about entries of a list given more than once. */
function checkRepeats(list: readonly string[], key: "checks" | "addons", noun: string): SemanticProblem[] {
  return list.flatMap((entry, j) =>
    list.indexOf(entry) === j ? [] : [warning([key, j], `${noun} "${entry}" is listed twice`, "remove the repeated entry")],
  );
}
