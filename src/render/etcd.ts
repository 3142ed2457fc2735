/**
 * etcd: one member per etcd node, TLS for clients and peers with client-certificate auth.
 */
import { certificateParts } from "../pki/certificate-specs.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import { binPath, certPath, ETCD_DATA_DIR, keyPath } from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";
import { etcdTlsFlags } from "./tls-policy.js";

/** etcd's flags for a member. */
export function etcdFlags(plan: Plan, node: PlannedNode): Flag[] {
  const parts = certificateParts(plan);
  return [
    ["name", node.name],
    ["data-dir", ETCD_DATA_DIR],
    ["listen-client-urls", `https://${node.ip}:${ETCD_CLIENT_PORT},https://127.0.0.1:${ETCD_CLIENT_PORT}`],
    ["advertise-client-urls", `https://${node.ip}:${ETCD_CLIENT_PORT}`],
    ["listen-peer-urls", `https://${node.ip}:${ETCD_PEER_PORT}`],
    ["initial-advertise-peer-urls", `https://${node.ip}:${ETCD_PEER_PORT}`],
    ["initial-cluster", plan.etcd.initialCluster],
    ["initial-cluster-token", `etcd-${plan.labName}`],
    ["initial-cluster-state", "new"],
    ["client-cert-auth", true],
    ["trusted-ca-file", certPath(parts.etcdCa)],
    ["cert-file", certPath(parts.etcdServer(node.name))],
    ["key-file", keyPath(parts.etcdServer(node.name))],
    ["peer-client-cert-auth", true],
    ["peer-trusted-ca-file", certPath(parts.etcdCa)],
    ["peer-cert-file", certPath(parts.etcdPeer(node.name))],
    ["peer-key-file", keyPath(parts.etcdPeer(node.name))],
    ...etcdTlsFlags(plan),
  ];
}

/** The etcd systemd unit. */
export function etcdUnit(plan: Plan, node: PlannedNode): string {
  return renderServiceUnit({
    description: "etcd: the cluster's key-value store",
    documentation: "https://etcd.io/docs/",
    after: ["network-online.target"],
    type: "notify",
    binary: binPath("etcd"),
    flags: etcdFlags(plan, node),
    extra: ["LimitNOFILE=65536"],
  });
}

/** etcdctl's TLS flags, for checks and for writing keys (e.g. flannel's network config). */
export function etcdctlFlags(plan: Plan): Flag[] {
  return [
    ["endpoints", plan.etcd.endpoints.join(",")],
    ["cacert", certPath(certificateParts(plan).etcdCa)],
    ["cert", certPath("etcd-healthcheck-client")],
    ["key", keyPath("etcd-healthcheck-client")],
  ];
}
