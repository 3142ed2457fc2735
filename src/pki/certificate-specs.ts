/**
 * What a lab's PKI holds: a pure function from the plan to every certificate (name, issuer,
 * subject, SANs, usages) and to the service-account signing key pair. Nothing here touches keys
 * or files; `pki-store.ts` turns these specs into files and reuses them while they are unchanged.
 *
 * Two layouts (the lab's `pki.style`): "per-component", kubeadm's (three CAs, a certificate per
 * component and per node), and "shared", the hard way guide's (one CA and one `kubernetes`
 * certificate that the API servers and every etcd member serve and peer with, and that the API
 * servers present to etcd). Consumers find which certificate plays which part through
 * {@link certificateParts}, never by spelling names out.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";

/** The certificate authorities of a lab, in the order they are issued. */
export const CA_NAMES = ["ca", "etcd-ca", "front-proxy-ca"] as const;
/** A certificate authority's name. */
export type CaName = (typeof CA_NAMES)[number];
/** Who signs a certificate: one of the CAs, or the certificate itself (the CAs are self-signed). */
export type Issuer = CaName | "self";
/** What a certificate is used for: serving TLS, authenticating as a TLS client, or both. */
export type CertificateUsage = "server" | "client";

/** One X.509 certificate of a lab, with its own key (RSA or ECDSA, as the lab's `pki.keyAlgorithm`). */
export interface CertificateSpec {
  readonly kind: "certificate";
  /** File stem: `<name>.crt` and `<name>.key`. */
  readonly name: string;
  readonly issuer: Issuer;
  readonly commonName: string;
  /** Subject O entries (Kubernetes groups). */
  readonly organization?: readonly string[];
  /** subjectAltName DNS entries. */
  readonly dnsNames: readonly string[];
  /** subjectAltName IP entries. */
  readonly ipAddresses: readonly string[];
  /** Extended key usages; empty for CAs. */
  readonly usage: readonly CertificateUsage[];
  /** True for the CAs. */
  readonly isCA?: boolean;
}

/** A bare key pair with no certificate: `<name>.key` (private, PKCS#1 or SEC1) and `<name>.pub` (SPKI). */
export interface KeyPairSpec {
  readonly kind: "keypair";
  readonly name: string;
}

/** Anything the PKI holds. */
export type PkiSpec = CertificateSpec | KeyPairSpec;

/** The key pair the API server signs service-account tokens with and verifies them against. */
export const SERVICE_ACCOUNT_KEY_PAIR: KeyPairSpec = { kind: "keypair", name: "service-account" };

/** The API server's serving certificate. */
export const API_SERVER_CERT = "kube-apiserver";

/** The certificate kubelet on `node` serves and authenticates with. */
export function kubeletCertName(node: string): string {
  return `kubelet-${node}`;
}

/** The certificate etcd on `node` serves clients with. */
export function etcdServerCertName(node: string): string {
  return `etcd-server-${node}`;
}

/** The certificate etcd on `node` uses towards its peers. */
export function etcdPeerCertName(node: string): string {
  return `etcd-peer-${node}`;
}

/** The certificate flanneld talks to etcd with (flannel labs). */
export const FLANNEL_ETCD_CLIENT = "flannel-etcd-client";

/** The certificate kubelab's probes of the API servers present where anonymous requests are refused. */
export const API_HEALTHCHECK_CLIENT = "apiserver-healthcheck-client";

/** The guide's shared certificate (style "shared"). */
export const SHARED_CERT = "kubernetes";

/** Which certificate plays each part in a lab; they differ by PKI style. */
export interface CertificateParts {
  /** The CA etcd trusts (for clients and peers) and that signs its certificates. */
  readonly etcdCa: CaName;
  /** The API server's serving certificate. */
  readonly apiServer: string;
  /** What the API server presents to etcd. */
  readonly apiServerEtcdClient: string;
  /** What etcd on `node` serves clients with. */
  etcdServer(node: string): string;
  /** What etcd on `node` uses towards its peers. */
  etcdPeer(node: string): string;
}

/** The certificate parts of a plan. */
export function certificateParts(plan: Plan): CertificateParts {
  if (plan.pkiStyle === "shared") {
    return { etcdCa: "ca", apiServer: SHARED_CERT, apiServerEtcdClient: SHARED_CERT, etcdServer: () => SHARED_CERT, etcdPeer: () => SHARED_CERT };
  }
  return { etcdCa: "etcd-ca", apiServer: API_SERVER_CERT, apiServerEtcdClient: "apiserver-etcd-client", etcdServer: etcdServerCertName, etcdPeer: etcdPeerCertName };
}

/** Every certificate of a lab: the CAs first, then the certificates they issue. Pure. */
export function certificateSpecs(plan: Plan): CertificateSpec[] {
  return plan.pkiStyle === "shared" ? sharedSpecs(plan) : perComponentSpecs(plan);
}

/**
 * The guide's layout: one CA; one `kubernetes` certificate whose SANs list every node's name and
 * address, the load balancer's, the kubernetes Service IP and 127.0.0.1; client certificates as
 * the other layout has them.
 */
function sharedSpecs(plan: Plan): CertificateSpec[] {
  const domain = plan.network.clusterDomain;
  return [
    caSpec("ca", "kubernetes-ca"),
    caSpec("front-proxy-ca", "front-proxy-ca"),
    {
      kind: "certificate",
      name: SHARED_CERT,
      issuer: "ca",
      commonName: "kubernetes",
      organization: ["Kubernetes"],
      dnsNames: unique([
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        `kubernetes.default.svc.${domain}`,
        ...plan.nodes.map((n) => n.name),
        "localhost",
      ]),
      ipAddresses: unique([plan.network.serviceIp, ...plan.nodes.map((n) => n.ip), plan.api.address, "127.0.0.1"]),
      usage: ["server", "client"],
    },
    ...clientSpecs(plan, "ca"),
  ];
}

/** kubeadm's layout: three CAs, a certificate per component and per node. */
function perComponentSpecs(plan: Plan): CertificateSpec[] {
  return [
    caSpec("ca", "kubernetes-ca"),
    caSpec("etcd-ca", "etcd-ca"),
    caSpec("front-proxy-ca", "front-proxy-ca"),
    apiServerSpec(plan),
    clientSpec("apiserver-etcd-client", "etcd-ca", "kube-apiserver-etcd-client"),
    ...plan.nodes.filter((n) => n.etcd).flatMap(etcdMemberSpecs),
    ...clientSpecs(plan, "etcd-ca"),
  ];
}

/** The client certificates both layouts have, and every kubelet's. */
function clientSpecs(plan: Plan, etcdCa: CaName): CertificateSpec[] {
  return [
    clientSpec("apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client", ["system:masters"]),
    clientSpec("admin", "ca", "admin", ["system:masters"]),
    clientSpec("kube-controller-manager", "ca", "system:kube-controller-manager"),
    clientSpec("kube-scheduler", "ca", "system:kube-scheduler"),
    clientSpec("kube-proxy", "ca", "system:kube-proxy", ["system:node-proxier"]),
    ...plan.nodes.filter((n) => n.kubelet).map((n) => kubeletSpec(n, plan.security.kubeletBootstrap === "token")),
    clientSpec("etcd-healthcheck-client", etcdCa, "kube-etcd-healthcheck-client"),
    clientSpec("front-proxy-client", "front-proxy-ca", "front-proxy-client"),
    // Where the API server refuses anonymous requests, kubelab's probes of it authenticate: as a user
    // in no group, which may read /healthz, /readyz and /version and nothing else.
    ...(plan.security.apiAnonymousAuth ? [] : [clientSpec(API_HEALTHCHECK_CLIENT, "ca", "kubelab-healthcheck")]),
    // flanneld reads its configuration and keeps its leases in etcd.
    ...(plan.network.overlay === "flannel" ? [clientSpec(FLANNEL_ETCD_CLIENT, etcdCa, "flanneld")] : []),
  ];
}

/** Everything the PKI of a lab holds: its certificates, then the service-account key pair. Pure. */
export function pkiSpecs(plan: Plan): PkiSpec[] {
  return [...certificateSpecs(plan), SERVICE_ACCOUNT_KEY_PAIR];
}

function caSpec(name: CaName, commonName: string): CertificateSpec {
  return { kind: "certificate", name, issuer: "self", commonName, dnsNames: [], ipAddresses: [], usage: [], isCA: true };
}

function clientSpec(name: string, issuer: CaName, commonName: string, organization?: string[]): CertificateSpec {
  return {
    kind: "certificate",
    name,
    issuer,
    commonName,
    ...(organization ? { organization } : {}),
    dnsNames: [],
    ipAddresses: [],
    usage: ["client"],
  };
}

function apiServerSpec(plan: Plan): CertificateSpec {
  const domain = plan.network.clusterDomain;
  const servers = plan.api.servers;
  return {
    kind: "certificate",
    name: API_SERVER_CERT,
    issuer: "ca",
    commonName: "kube-apiserver",
    dnsNames: unique([
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${domain}`,
      ...servers.map((n) => n.name),
      "localhost",
    ]),
    ipAddresses: unique([plan.network.serviceIp, ...servers.map((n) => n.ip), plan.api.address, "127.0.0.1"]),
    usage: ["server"],
  };
}

/**
 * kubelet's certificate: it serves with it and, unless it joins by TLS bootstrapping (then the
 * controller manager signs its client certificates), authenticates with it too.
 */
function kubeletSpec(node: PlannedNode, tlsBootstrap: boolean): CertificateSpec {
  return {
    kind: "certificate",
    name: kubeletCertName(node.name),
    issuer: "ca",
    commonName: `system:node:${node.name}`,
    organization: ["system:nodes"],
    dnsNames: [node.name],
    ipAddresses: [node.ip],
    usage: tlsBootstrap ? ["server"] : ["server", "client"],
  };
}

function etcdMemberSpecs(node: PlannedNode): CertificateSpec[] {
  const common = {
    kind: "certificate",
    issuer: "etcd-ca",
    commonName: node.name,
    dnsNames: unique([node.name, "localhost"]),
    ipAddresses: unique([node.ip, "127.0.0.1"]),
    usage: ["server", "client"],
  } as const;
  return [
    { name: etcdServerCertName(node.name), ...common },
    { name: etcdPeerCertName(node.name), ...common },
  ];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
