/**
 * The address plan: a pure function from a validated lab to every address, subnet and endpoint the
 * rest of the pipeline uses. Certificates, units, manifests and checks are all derived from it.
 */
import type { AddonName, CheckId, Lab, NodeRole, ProviderName } from "../config/lab-schema.js";
import { CHECK_IDS } from "../config/lab-schema.js";
import { addressAt, contains, offsetOf, subnetAt } from "./ipv4.js";
import { vmResources, type VmResources } from "./vm-resources.js";
import { DEFAULT_FLANNEL_VERSION, defaultCniVersion, defaultEtcdVersion, parseKubeVersion, type KubeVersion } from "./kube-version.js";

/** Offset in the node subnet of the first automatically assigned node address (.1 is the gateway). */
export const FIRST_NODE_OFFSET = 10;
/** Port the API servers listen on. */
export const API_PORT = 6443;
/** etcd client and peer ports. */
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

/** A node with everything the pipeline needs to know about it. */
export interface PlannedNode {
  readonly name: string;
  readonly ip: string;
  readonly roles: readonly NodeRole[];
  /** Runs an etcd member. */
  readonly etcd: boolean;
  /** Runs kube-apiserver, kube-controller-manager and kube-scheduler. */
  readonly controlPlane: boolean;
  /** Runs containerd, kubelet and kube-proxy (workers; control plane nodes with static pods). */
  readonly kubelet: boolean;
  /** Runs the load balancer in front of the API servers. */
  readonly loadBalancer: boolean;
  /** The node's slice of the pod network (kubelet nodes; with flannel, flannel leases it instead). */
  readonly podCidr: string | undefined;
  /** The size of the node's VM, with provider vagrant. */
  readonly vm: VmResources;
}

/** An etcd member. */
export interface EtcdMember {
  readonly name: string;
  readonly ip: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
}

/** Everything derived from a lab. */
export interface Plan {
  readonly labName: string;
  readonly provider: ProviderName;
  /** The Vagrant box the lab asks for (provider vagrant); kubelab's own box when undefined. */
  readonly box: string | undefined;
  readonly kubernetes: KubeVersion;
  readonly etcdVersion: string;
  readonly cniVersion: string;
  /** The flannel release, when the overlay is flannel. */
  readonly flannelVersion: string | undefined;
  readonly controlPlaneMode: Lab["controlPlane"];
  /** How the certificates are cut: per component, or the guide's one shared certificate. */
  readonly pkiStyle: Lab["pki"]["style"];
  /** The kind of every key of the PKI: RSA or ECDSA. */
  readonly pkiKeyAlgorithm: Lab["pki"]["keyAlgorithm"];
  /** The lab's hardening: how kubelets join, Secrets at rest, the audit log, anonymous requests, the TLS policy. */
  readonly security: Lab["security"];
  readonly network: {
    readonly nodeSubnet: string;
    readonly gateway: string;
    readonly podCidr: string;
    readonly podSubnetPrefix: number;
    readonly serviceCidr: string;
    /** The kubernetes Service: first address of the service range. */
    readonly serviceIp: string;
    readonly dnsIp: string;
    readonly clusterDomain: string;
    /** How pods on different nodes reach each other. */
    readonly overlay: Lab["network"]["overlay"];
  };
  readonly nodes: readonly PlannedNode[];
  readonly etcd: {
    readonly members: readonly EtcdMember[];
    /** Client URLs of every member, for API servers and etcdctl. */
    readonly endpoints: readonly string[];
    /** etcd's --initial-cluster value. */
    readonly initialCluster: string;
  };
  readonly api: {
    /** The URL clients use: the load balancer's when there is one, else the first API server's. */
    readonly endpoint: string;
    readonly address: string;
    readonly port: number;
    /** The nodes running an API server. */
    readonly servers: readonly PlannedNode[];
    /** The load balancer in front of them, if any. */
    readonly loadBalancer: PlannedNode | undefined;
  };
  readonly addons: readonly AddonName[];
  readonly checks: readonly CheckId[];
}

/** A lab whose node subnet is known (picked by the provider when the file left it out). */
export type ResolvedLab = Lab & { network: Lab["network"] & { nodeSubnet: string } };

/** The default DNS Service address: the 10th address of the service range. */
export function defaultDnsIp(serviceCidr: string): string {
  return addressAt(serviceCidr, 10);
}

/** Node addresses in file order: fixed ones as given, the others from .10 up, skipping taken ones. */
export function assignNodeIps(nodeSubnet: string, nodes: Lab["nodes"]): string[] {
  const taken = new Set(nodes.flatMap((n) => (n.ip ? [n.ip] : [])));
  let next = FIRST_NODE_OFFSET;
  return nodes.map((n) => {
    if (n.ip) return n.ip;
    let ip = addressAt(nodeSubnet, next++);
    while (taken.has(ip)) ip = addressAt(nodeSubnet, next++);
    taken.add(ip);
    return ip;
  });
}

/** Builds the plan of a validated lab. Pure: same lab, same plan. */
export function planLab(lab: ResolvedLab): Plan {
  const kubernetes = parseKubeVersion(lab.kubernetesVersion);
  const net = lab.network;
  const ips = assignNodeIps(net.nodeSubnet, lab.nodes);
  const staticPods = lab.controlPlane === "static-pods";

  let podIndex = 0;
  const nodes: PlannedNode[] = lab.nodes.map((n, i) => {
    const controlPlane = n.roles.includes("controlplane");
    const kubelet = n.roles.includes("worker") || (staticPods && controlPlane);
    return {
      name: n.name,
      ip: ips[i]!,
      roles: [...n.roles],
      etcd: n.roles.includes("etcd"),
      controlPlane,
      kubelet,
      loadBalancer: n.roles.includes("loadbalancer"),
      podCidr: kubelet && net.overlay !== "flannel" ? subnetAt(net.podCidr, net.podSubnetPrefix, podIndex++) : undefined,
      vm: vmResources(n),
    };
  });

  const members: EtcdMember[] = nodes
    .filter((n) => n.etcd)
    .map((n) => ({
      name: n.name,
      ip: n.ip,
      clientUrl: `https://${n.ip}:${ETCD_CLIENT_PORT}`,
      peerUrl: `https://${n.ip}:${ETCD_PEER_PORT}`,
    }));
  const servers = nodes.filter((n) => n.controlPlane);
  const loadBalancer = nodes.find((n) => n.loadBalancer);
  const apiAddress = loadBalancer?.ip ?? servers[0]?.ip;
  if (!servers.length || apiAddress === undefined) throw new Error("bug: planLab called on a lab without a control plane");

  return {
    labName: lab.name,
    provider: lab.provider,
    box: lab.box,
    kubernetes,
    etcdVersion: lab.artifacts.etcdVersion ?? defaultEtcdVersion(kubernetes),
    cniVersion: lab.artifacts.cniVersion ?? defaultCniVersion(kubernetes),
    flannelVersion: net.overlay === "flannel" ? (lab.artifacts.flannelVersion ?? DEFAULT_FLANNEL_VERSION) : undefined,
    controlPlaneMode: lab.controlPlane,
    pkiStyle: lab.pki.style,
    pkiKeyAlgorithm: lab.pki.keyAlgorithm,
    security: {
      ...lab.security,
      ...(lab.security.audit ? { audit: { ...lab.security.audit } } : {}),
      ...(lab.security.tlsCipherSuites ? { tlsCipherSuites: [...lab.security.tlsCipherSuites] } : {}),
    },
    network: {
      nodeSubnet: net.nodeSubnet,
      gateway: addressAt(net.nodeSubnet, 1),
      podCidr: net.podCidr,
      podSubnetPrefix: net.podSubnetPrefix,
      serviceCidr: net.serviceCidr,
      serviceIp: addressAt(net.serviceCidr, 1),
      dnsIp: net.dnsIp ?? defaultDnsIp(net.serviceCidr),
      clusterDomain: net.clusterDomain,
      overlay: net.overlay,
    },
    nodes,
    etcd: {
      members,
      endpoints: members.map((m) => m.clientUrl),
      initialCluster: members.map((m) => `${m.name}=${m.peerUrl}`).join(","),
    },
    api: { endpoint: `https://${apiAddress}:${API_PORT}`, address: apiAddress, port: API_PORT, servers, loadBalancer },
    addons: [...lab.addons],
    checks: lab.checks ? [...lab.checks] : [...CHECK_IDS],
  };
}

/** The node a lab's kubectl commands run on: the first control plane node (it has the admin kubeconfig). */
export function adminNode(plan: Plan): PlannedNode {
  return plan.api.servers[0]!;
}

/** The plan's kubelet nodes. */
export function kubeletNodes(plan: Plan): PlannedNode[] {
  return plan.nodes.filter((n) => n.kubelet);
}

/** True when `ip` is a usable host address of `cidr` (not the network, gateway or broadcast). */
export function isUsableHostAddress(cidr: string, ip: string): boolean {
  if (!contains(cidr, ip)) return false;
  const offset = offsetOf(cidr, ip);
  return offset > 1 && ip !== addressAt(cidr, 0) && offset < Number(2 ** (32 - Number(cidr.split("/")[1])) - 1);
}
