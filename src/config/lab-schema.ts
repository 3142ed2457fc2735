/**
 * The lab file format: one zod schema that gives the TypeScript types, the defaults, the
 * structural validation (unknown keys, wrong types, unknown roles) and the published JSON Schema.
 * Checks that need more than one field (overlapping ranges, duplicates) live in `validate-lab.ts`.
 */
import { z } from "zod";

/** Roles a node can carry. */
export const NODE_ROLES = ["etcd", "controlplane", "worker", "loadbalancer"] as const;
/** A node role. */
export type NodeRole = (typeof NODE_ROLES)[number];

/** Providers that can run a lab's nodes. */
export const PROVIDERS = ["docker", "vagrant"] as const;
/** A provider name. */
export type ProviderName = (typeof PROVIDERS)[number];

/** Checks a lab can ask for; `lab verify` runs them. */
export const CHECK_IDS = [
  "etcd-health",
  "etcd-version",
  "apiserver-health",
  "cluster-info",
  "component-statuses",
  "nodes-ready",
  "pod-logs",
  "cluster-ip-service",
  "dns",
  "overlay-interfaces",
  "flannel-subnet-env",
  "flannel-leases",
  "node-ping",
  "pod-ping",
  "service-from-pod",
  "etcd-members",
  "loadbalancer",
  "leader-election",
] as const;
/** A check id. */
export type CheckId = (typeof CHECK_IDS)[number];

/** Addons a lab can install once the cluster is up. */
export const ADDONS = ["coredns"] as const;
/** An addon name. */
export type AddonName = (typeof ADDONS)[number];

/** How the control plane runs: systemd units on the host, or static pods started by kubelet. */
export const CONTROL_PLANE_MODES = ["systemd", "static-pods"] as const;

const version = z
  .string()
  .regex(/^v\d+\.\d+\.\d+$/, { error: 'expected a release version like "v1.20.2"' });

const cidr = z.string().describe("an IPv4 network in CIDR notation, e.g. 10.244.0.0/16");
const ipv4 = z.string().describe("an IPv4 address, e.g. 172.30.10.10");

const vm = z
  .strictObject({
    cpus: z.number().int().min(1).max(64).optional().describe("virtual CPUs"),
    memory: z.number().int().min(256).max(262144).optional().describe("memory in MiB"),
  })
  .describe("the VM's size with provider vagrant; by role when left out (control plane 2 CPUs and 2048 MiB, workers 1536 MiB, etcd 1024 MiB, load balancer 512 MiB)");

const node = z.strictObject({
  name: z.string().describe("the node's hostname: lower-case letters, digits and '-'"),
  roles: z
    .array(z.enum(NODE_ROLES))
    .min(1, { error: "a node needs at least one role" })
    .describe("what runs on the node: etcd, controlplane (API server, controller manager, scheduler), worker (kubelet, kube-proxy)"),
  ip: ipv4.optional().describe("a fixed address in the node subnet; assigned in order when left out"),
  vm: vm.optional(),
});

const group = z
  .strictObject({
    prefix: z.string().describe("node names are the prefix and a number from 1: fed-node1, fed-node2, ..."),
    roles: z.array(z.enum(NODE_ROLES)).min(1, { error: "a group needs at least one role" }).describe("the roles of every node of the group"),
    count: z.number().int().min(0).describe("how many nodes; `lab up --scale PREFIX=N` changes it"),
    max: z.number().int().min(1).max(32).default(8).describe("the most nodes this lab supports in the group"),
    counts: z
      .array(z.number().int().min(0))
      .min(1, { error: "a group's counts list needs at least one count" })
      .optional()
      .describe("the only counts this lab supports (e.g. [1, 2, 3, 5] etcd members); any up to max when left out"),
    vm: vm.optional().describe("the size of each of the group's VMs with provider vagrant"),
  })
  .refine((g) => g.count <= g.max, { error: "count is more than the group's max", path: ["count"] })
  .describe("nodes alike, numbered from 1");

/** Overlay modes: how pods on different nodes reach each other. */
export const OVERLAYS = ["routes", "vxlan", "flannel"] as const;

const network = z.strictObject({
  nodeSubnet: cidr
    .optional()
    .describe("the network the nodes share (one Docker or libvirt network per lab); a free /24 is picked when left out"),
  podCidr: cidr.default("10.244.0.0/16").describe("the cluster's pod network; each node gets a slice of it"),
  podSubnetPrefix: z
    .number()
    .int()
    .min(16)
    .max(28)
    .default(24)
    .describe("prefix length of each node's slice of podCidr"),
  serviceCidr: cidr.default("10.96.0.0/24").describe("the ClusterIP range; its first address is the kubernetes Service"),
  dnsIp: ipv4.optional().describe("the cluster DNS Service address; defaults to the 10th address of serviceCidr"),
  clusterDomain: z.string().default("cluster.local").describe("the cluster's DNS domain"),
  overlay: z
    .enum(OVERLAYS)
    .default("routes")
    .describe("how pods on different nodes reach each other: routes (a route per remote pod subnet), vxlan (flannel.1 VXLAN devices set up by the pipeline), flannel (flanneld with its config in etcd)"),
});

/** How the lab's certificates are cut. */
export const PKI_STYLES = ["per-component", "shared"] as const;

const pki = z.strictObject({
  style: z
    .enum(PKI_STYLES)
    .default("per-component")
    .describe("per-component: a certificate per component and an etcd CA; shared: as the hard way guide, one `kubernetes` certificate (every node's name and IP, the load balancer, the Service IP) for the API servers and etcd, one CA"),
});

const artifacts = z.strictObject({
  dir: z
    .string()
    .optional()
    .describe("a local folder with bin/ (Kubernetes, etcd, etcdctl, and flanneld for flannel labs) and cni/ (CNI plugins) to use instead of the cache or a download"),
  etcdVersion: version.optional().describe("etcd release; defaults to the one the Kubernetes version was tested with"),
  cniVersion: version.optional().describe("CNI plugins release"),
  flannelVersion: version.optional().describe("flannel release, for network.overlay flannel"),
  flannelSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256 in hex" })
    .optional()
    .describe("the SHA-256 flanneld must have, when its release's published digest cannot be had"),
  mirror: z
    .string()
    .optional()
    .describe("base URL of a mirror holding the release files under the upstream paths (for offline rooms)"),
});

/** The lab file's keys and their types, before groups are expanded (for hints about keys). */
export const labObjectSchema = z
  .strictObject({
    $schema: z.string().optional().describe("the JSON Schema for editors"),
    name: z.string().describe("the lab's name: lower-case letters, digits and '-'"),
    description: z.string().optional(),
    provider: z.enum(PROVIDERS).default("docker").describe("what runs the nodes: docker (containers running systemd) or vagrant (libvirt VMs)"),
    box: z
      .string()
      .optional()
      .describe("the Vagrant box of the VMs with provider vagrant (e.g. fedora/39-cloud-base); kubelab's own box (`lab image build --box`) when left out or when this one cannot be had"),
    kubernetesVersion: version.describe("the Kubernetes release the lab runs"),
    controlPlane: z
      .enum(CONTROL_PLANE_MODES)
      .default("systemd")
      .describe("how the control plane runs: systemd units, or static pods that kubelet starts"),
    artifacts: artifacts.default({}),
    pki: pki.default({ style: "per-component" }),
    network: network.default({
      podCidr: "10.244.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.96.0.0/24",
      clusterDomain: "cluster.local",
      overlay: "routes",
    }),
    nodes: z.array(node).default([]).describe("the lab's nodes, each named"),
    groups: z.array(group).default([]).describe("groups of alike nodes, added after `nodes`"),
    addons: z.array(z.enum(ADDONS)).default([]).describe("what to install once the cluster is up"),
    checks: z
      .array(z.enum(CHECK_IDS))
      .optional()
      .describe("the checks `lab up` and `lab verify` run; all that apply to the lab when left out"),
  })
  .describe("A kubelab lab: nodes, network and versions of a Kubernetes cluster built the hard way.");

/** The lab file schema (input: what a user writes; output: defaults applied, groups expanded into nodes). */
export const labSchema = labObjectSchema
  .transform(({ groups, ...lab }) => ({ ...lab, nodes: [...lab.nodes, ...expandGroups(groups)] }))
  .refine((lab) => lab.nodes.length > 0, { error: "a lab needs at least one node", path: ["nodes"] });

/** A group as written. */
export type NodeGroup = z.output<typeof group>;

/** The nodes of groups, in order: prefix1..prefixN of each. */
export function expandGroups(groups: readonly NodeGroup[]): z.output<typeof node>[] {
  return groups.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => ({ name: `${g.prefix}${i + 1}`, roles: [...g.roles], ...(g.vm ? { vm: { ...g.vm } } : {}) })),
  );
}

/** A lab as written in its file. */
export type LabInput = z.input<typeof labSchema>;
/** A lab with defaults applied. */
export type Lab = z.output<typeof labSchema>;
/** One node of a lab. */
export type LabNode = Lab["nodes"][number];
