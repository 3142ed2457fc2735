/**
 * The lab's TLS policy on its servers (security.tlsMinVersion, security.tlsCipherSuites): the same
 * lowest version and cipher suites for the API servers, controller managers and schedulers (flags),
 * kubelets (their configuration file) and etcd (its cipher suites; etcd 3.4 accepts nothing below
 * TLS 1.2 anyway). Nothing when the lab sets no policy.
 */
import type { Plan } from "../plan/plan.js";
import type { Flag } from "./flags.js";

/** The TLS flags of kube-apiserver, kube-controller-manager and kube-scheduler. */
export function tlsFlags(plan: Plan): Flag[] {
  const { tlsMinVersion, tlsCipherSuites } = plan.security;
  return [
    ...(tlsMinVersion ? [["tls-min-version", tlsMinVersion] as const] : []),
    ...(tlsCipherSuites ? [["tls-cipher-suites", tlsCipherSuites.join(",")] as const] : []),
  ];
}

/** The TLS fields of the KubeletConfiguration. */
export function kubeletTlsConfig(plan: Plan): { tlsMinVersion?: string; tlsCipherSuites?: string[] } {
  const { tlsMinVersion, tlsCipherSuites } = plan.security;
  return { ...(tlsMinVersion ? { tlsMinVersion } : {}), ...(tlsCipherSuites ? { tlsCipherSuites: [...tlsCipherSuites] } : {}) };
}

/** etcd's flag limiting its cipher suites (clients and peers). */
export function etcdTlsFlags(plan: Plan): Flag[] {
  const { tlsCipherSuites } = plan.security;
  return tlsCipherSuites ? [["cipher-suites", tlsCipherSuites.join(",")]] : [];
}
