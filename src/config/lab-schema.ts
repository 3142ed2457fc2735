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
  "encryption-at-rest",
  "audit-log",
  "tls-bootstrap",
  "anonymous-auth",
  "tls-policy",
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

/** The kind of every key of a lab's PKI: RSA 2048, or ECDSA on P-256. */
export const KEY_ALGORITHMS = ["rsa", "ecdsa"] as const;
/** A key algorithm of the lab's PKI. */
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

const pki = z.strictObject({
  style: z
    .enum(PKI_STYLES)
    .default("per-component")
    .describe("per-component: a certificate per component and an etcd CA; shared: as the hard way guide, one `kubernetes` certificate (every node's name and IP, the load balancer, the Service IP) for the API servers and etcd, one CA"),
  keyAlgorithm: z
    .enum(KEY_ALGORITHMS)
    .default("rsa")
    .describe("the kind of every key (CAs, certificates, the service-account key pair): rsa (2048-bit, certificates signed sha256WithRSAEncryption) or ecdsa (P-256, certificates signed ecdsa-with-SHA256, service-account tokens ES256); changing it makes the whole PKI again"),
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

/** How kubelets get their client certificates: issued by kubelab, or by TLS bootstrapping. */
export const KUBELET_BOOTSTRAP_MODES = ["certificate", "token"] as const;

/** How Secrets are stored in etcd: as they are, or encrypted with AES-CBC. */
export const ENCRYPTION_AT_REST_MODES = ["none", "aescbc"] as const;

/** The lowest TLS version a lab's servers may accept. */
export const TLS_VERSIONS = ["VersionTLS12", "VersionTLS13"] as const;
/** A TLS version name, as the components' flags spell it. */
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * The TLS 1.2 cipher suites a lab may limit its servers to: the ECDHE suites (forward secrecy) that
 * the Go of Kubernetes 1.20 and etcd 3.4 implement, under their Go names. TLS 1.3's suites are not
 * configurable.
 */
export const TLS_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
] as const;
/** A TLS 1.2 cipher suite's Go name. */
export type TlsCipherSuite = (typeof TLS_CIPHER_SUITES)[number];

const audit = z
  .strictObject({
    maxSizeMb: z.number().int().min(1).max(1024).default(100).describe("the audit log is rotated when it reaches this many megabytes"),
    maxBackups: z.number().int().min(1).max(100).default(10).describe("how many rotated audit logs are kept"),
    maxAgeDays: z.number().int().min(1).max(365).default(30).describe("rotated audit logs older than this many days are removed"),
  })
  .describe("the API server's audit log (/var/log/kubernetes/audit.log) with kubelab's audit policy, and its rotation; no audit log when left out");

const security = z
  .strictObject({
    kubeletBootstrap: z
      .enum(KUBELET_BOOTSTRAP_MODES)
      .default("certificate")
      .describe("how kubelets get their client certificates: certificate (issued by kubelab with the rest of the PKI) or token (TLS bootstrapping: a bootstrap token, CSRs approved by the controller manager, client certificate rotation on)"),
    encryptionAtRest: z
      .enum(ENCRYPTION_AT_REST_MODES)
      .default("none")
      .describe("how the API server stores Secrets in etcd: none (as they are) or aescbc (encrypted with a key kept in the lab's state)"),
    audit: audit.optional(),
    apiAnonymousAuth: z
      .boolean()
      .default(true)
      .describe("whether the API server answers requests without credentials (as system:anonymous); when false kubelab's own probes present a client certificate"),
    tlsMinVersion: z
      .enum(TLS_VERSIONS)
      .optional()
      .describe("the lowest TLS version the API servers, controller managers, schedulers and kubelets accept; each component's default when left out"),
    tlsCipherSuites: z
      .array(z.enum(TLS_CIPHER_SUITES))
      .min(1, { error: "list at least one cipher suite, or leave tlsCipherSuites out" })
      .optional()
      .describe("the only TLS 1.2 cipher suites the API servers, controller managers, schedulers, kubelets and etcd members accept; Go's defaults when left out"),
  })
  .describe("hardening: how kubelets join, Secrets at rest, the audit log, anonymous requests, the TLS policy; as the other labs have it when left out");

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
    pki: pki.default({ style: "per-component", keyAlgorithm: "rsa" }),
    security: security.default({ kubeletBootstrap: "certificate", encryptionAtRest: "none", apiAnonymousAuth: true }),
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
