/**
 * kube-apiserver: TLS everywhere, Node and RBAC authorization, etcd over mutual TLS, service
 * account tokens signed with the lab's key. Flags that changed between releases follow the version.
 */
import { atLeast } from "../plan/kube-version.js";
import { certificateParts } from "../pki/certificate-specs.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import { AUDIT_LOG, AUDIT_POLICY, binPath, certPath, ENCRYPTION_CONFIG, keyPath, publicKeyPath } from "./node-layout.js";
import { tlsFlags } from "./tls-policy.js";
import { renderServiceUnit } from "./systemd-unit.js";

/** Admission plugins enabled on top of the defaults. */
export const ADMISSION_PLUGINS = ["NodeRestriction"];

/** The issuer of service account tokens (also their audience). */
export function serviceAccountIssuer(plan: Plan): string {
  return `https://kubernetes.default.svc.${plan.network.clusterDomain}`;
}

/** kube-apiserver's flags on a control plane node. */
export function apiServerFlags(plan: Plan, node: PlannedNode): Flag[] {
  const v = plan.kubernetes;
  const parts = certificateParts(plan);
  const flags: Flag[] = [
    ["advertise-address", node.ip],
    ["bind-address", "0.0.0.0"],
    ["secure-port", String(plan.api.port)],
    ["allow-privileged", "true"],
    ["authorization-mode", "Node,RBAC"],
    ["enable-admission-plugins", ADMISSION_PLUGINS.join(",")],
    ["client-ca-file", certPath("ca")],
    ["tls-cert-file", certPath(parts.apiServer)],
    ["tls-private-key-file", keyPath(parts.apiServer)],
    ["etcd-servers", plan.etcd.endpoints.join(",")],
    ["etcd-cafile", certPath(parts.etcdCa)],
    ["etcd-certfile", certPath(parts.apiServerEtcdClient)],
    ["etcd-keyfile", keyPath(parts.apiServerEtcdClient)],
    ["kubelet-certificate-authority", certPath("ca")],
    ["kubelet-client-certificate", certPath("apiserver-kubelet-client")],
    ["kubelet-client-key", keyPath("apiserver-kubelet-client")],
    ["kubelet-preferred-address-types", "InternalIP,Hostname"],
    ["service-cluster-ip-range", plan.network.serviceCidr],
    ["service-account-key-file", publicKeyPath("service-account")],
    ["service-account-signing-key-file", keyPath("service-account")],
    ["service-account-issuer", serviceAccountIssuer(plan)],
    ["requestheader-client-ca-file", certPath("front-proxy-ca")],
    ["requestheader-allowed-names", "front-proxy-client"],
    ["requestheader-extra-headers-prefix", "X-Remote-Extra-"],
    ["requestheader-group-headers", "X-Remote-Group"],
    ["requestheader-username-headers", "X-Remote-User"],
    ["proxy-client-cert-file", certPath("front-proxy-client")],
    ["proxy-client-key-file", keyPath("front-proxy-client")],
    ["event-ttl", "1h"],
  ];
  // The insecure port existed until 1.24; it is closed wherever the flag is still accepted.
  if (!atLeast(v, 1, 24)) flags.push(["insecure-port", "0"]);
  if (plan.api.servers.length > 1) flags.push(["apiserver-count", String(plan.api.servers.length)]);
  return [...flags, ...hardeningFlags(plan)];
}

/** The flags of the lab's hardening (security in the lab file); none for a lab that has none. */
function hardeningFlags(plan: Plan): Flag[] {
  const { security } = plan;
  const flags: Flag[] = [];
  if (!security.apiAnonymousAuth) flags.push(["anonymous-auth", "false"]);
  // Kubelets join with a bootstrap token (a Secret in kube-system) and ask for their certificates.
  if (security.kubeletBootstrap === "token") flags.push(["enable-bootstrap-token-auth", "true"]);
  if (security.encryptionAtRest === "aescbc") flags.push(["encryption-provider-config", ENCRYPTION_CONFIG]);
  if (security.audit) {
    flags.push(
      ["audit-policy-file", AUDIT_POLICY],
      ["audit-log-path", AUDIT_LOG],
      ["audit-log-maxsize", String(security.audit.maxSizeMb)],
      ["audit-log-maxbackup", String(security.audit.maxBackups)],
      ["audit-log-maxage", String(security.audit.maxAgeDays)],
    );
  }
  return [...flags, ...tlsFlags(plan)];
}

/** The kube-apiserver systemd unit. */
export function apiServerUnit(plan: Plan, node: PlannedNode): string {
  return renderServiceUnit({
    description: "kube-apiserver: the Kubernetes API",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    after: plan.etcd.members.some((m) => m.name === node.name) ? ["etcd.service"] : ["network-online.target"],
    binary: binPath("kube-apiserver"),
    flags: apiServerFlags(plan, node),
    extra: ["LimitNOFILE=65536"],
  });
}
