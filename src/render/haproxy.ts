/**
 * The load balancer in front of the API servers (the hard way's "future work" done): HAProxy in
 * TCP mode, each API server health-checked on /healthz over TLS every half second (out after two
 * failed checks, so that one slow answer does not take it out), a failed connection retried on
 * another server, and an admin socket the checks read the servers' state from.
 */
import type { Plan } from "../plan/plan.js";
import { probesAuthenticate } from "./api-probe.js";

/** Where HAProxy's admin socket is, in the load balancer node. */
export const HAPROXY_SOCKET = "/run/haproxy/admin.sock";
/** HAProxy's configuration file. */
export const HAPROXY_CONFIG = "/etc/haproxy/haproxy.cfg";
/**
 * The health-check client certificate and its key in one file, as HAProxy reads them (labs whose API
 * servers refuse anonymous requests: the checks present it).
 */
export const HAPROXY_CLIENT_PEM = "/etc/haproxy/healthcheck-client.pem";
/** The backend of the API servers. */
export const HAPROXY_BACKEND = "kube-apiservers";

/**
 * How each API server is checked: every half second, a quarter second apart while its state is
 * changing; a check may take 2 s (a busy API server answers /healthz late, and must not be taken
 * out for it: were the last one out, every request would fail); 2 failed checks in a row take a
 * server out, 2 passed bring it back.
 */
export const HEALTH_CHECK = { intervalMs: 500, fastIntervalMs: 250, timeoutMs: 2_000, fall: 2, rise: 2 };

/** Renders haproxy.cfg for a plan's API servers. */
export function haproxyConfig(plan: Plan): string {
  const lines = [
    "# kubelab: the API servers behind one address. TCP passes TLS through untouched (clients",
    "# authenticate to the API servers with their certificates); HAProxy checks each server's /healthz.",
    "global",
    "  log stdout format raw local0",
    "  maxconn 4096",
    `  stats socket ${HAPROXY_SOCKET} mode 600 level admin`,
    "",
    "defaults",
    "  mode tcp",
    "  log global",
    "  option tcplog",
    "  timeout connect 2s",
    "  # watches are long-lived connections",
    "  timeout client 1h",
    "  timeout server 1h",
    "  # a connection that fails is tried again, on another server",
    "  option redispatch",
    "  retries 3",
    "",
    "frontend kube-apiserver",
    `  bind 0.0.0.0:${plan.api.port}`,
    `  default_backend ${HAPROXY_BACKEND}`,
    "",
    `backend ${HAPROXY_BACKEND}`,
    "  balance roundrobin",
    "  option httpchk GET /healthz",
    "  http-check expect status 200",
    `  timeout check ${HEALTH_CHECK.timeoutMs}ms`,
    ...(probesAuthenticate(plan) ? ["  # the API servers refuse anonymous requests: the checks present a client certificate"] : []),
    `  default-server check check-ssl verify none${probesAuthenticate(plan) ? ` crt ${HAPROXY_CLIENT_PEM}` : ""} inter ${HEALTH_CHECK.intervalMs}ms fastinter ${HEALTH_CHECK.fastIntervalMs}ms fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}`,
    ...plan.api.servers.map((s) => `  server ${s.name} ${s.ip}:${plan.api.port}`),
    "",
  ];
  return lines.join("\n");
}
