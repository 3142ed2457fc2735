/**
 * The lab file format: one zod schema that gives the TypeScript types, the defaults, the
 * structural validation (unknown keys, wrong types, unknown roles) and the published JSON Schema.
 * Checks that need more than one field (overlapping ranges, duplicates) live in `validate-lab.ts`.
 */
import { z } from "zod";

/** Roles a node can carry. */
export const NODE_ROLES = ["etcd", "controlplane", "worker"] as const;
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

const node = z.strictObject({
  name: z.string().describe("the node's hostname: lower-case letters, digits and '-'"),
  roles: z
    .array(z.enum(NODE_ROLES))
    .min(1, { error: "a node needs at least one role" })
    .describe("what runs on the node: etcd, controlplane (API server, controller manager, scheduler), worker (kubelet, kube-proxy)"),
  ip: ipv4.optional().describe("a fixed address in the node subnet; assigned in order when left out"),
});

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
});

const artifacts = z.strictObject({
  dir: z
    .string()
    .optional()
    .describe("a local folder with bin/ (Kubernetes, etcd, etcdctl) and cni/ (CNI plugins) to use instead of the cache or a download"),
  etcdVersion: version.optional().describe("etcd release; defaults to the one the Kubernetes version was tested with"),
  cniVersion: version.optional().describe("CNI plugins release"),
  mirror: z
    .string()
    .optional()
    .describe("base URL of a mirror holding the release files under the upstream paths (for offline rooms)"),
});

/** The lab file schema (input: what a user writes; output: with defaults applied). */
export const labSchema = z
  .strictObject({
    $schema: z.string().optional().describe("the JSON Schema for editors"),
    name: z.string().describe("the lab's name: lower-case letters, digits and '-'"),
    description: z.string().optional(),
    provider: z.enum(PROVIDERS).default("docker").describe("what runs the nodes"),
    kubernetesVersion: version.describe("the Kubernetes release the lab runs"),
    controlPlane: z
      .enum(CONTROL_PLANE_MODES)
      .default("systemd")
      .describe("how the control plane runs: systemd units, or static pods that kubelet starts"),
    artifacts: artifacts.default({}),
    network: network.default({
      podCidr: "10.244.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.96.0.0/24",
      clusterDomain: "cluster.local",
    }),
    nodes: z.array(node).min(1, { error: "a lab needs at least one node" }),
    addons: z.array(z.enum(ADDONS)).default([]).describe("what to install once the cluster is up"),
    checks: z
      .array(z.enum(CHECK_IDS))
      .optional()
      .describe("the checks `lab up` and `lab verify` run; all that apply to the lab when left out"),
  })
  .describe("A kubelab lab: nodes, network and versions of a Kubernetes cluster built the hard way.");

/** A lab as written in its file. */
export type LabInput = z.input<typeof labSchema>;
/** A lab with defaults applied. */
export type Lab = z.output<typeof labSchema>;
/** One node of a lab. */
export type LabNode = Lab["nodes"][number];
