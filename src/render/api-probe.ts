/**
 * How kubelab's own probes (waits, checks, drills, HAProxy's health check) reach the API servers'
 * /healthz, /readyz and /version: checked against the lab's CA and, where the API server refuses
 * anonymous requests (security.apiAnonymousAuth false), with a client certificate of its own. That
 * certificate names a user in no group: RBAC lets it read those endpoints (system:public-info-viewer
 * is bound to every authenticated user) and nothing else.
 */
import { API_HEALTHCHECK_CLIENT } from "../pki/certificate-specs.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { certPath, keyPath } from "./node-layout.js";


/** True when probes of the API server must authenticate. */
export function probesAuthenticate(plan: Plan): boolean {
  return !plan.security.apiAnonymousAuth;
}

/** True when `node` runs probes of the API server (and so holds the health-check certificate where one is needed). */
export function probesApi(node: PlannedNode): boolean {
  return node.controlPlane || node.loadBalancer || node.kubelet;
}

/** curl's TLS arguments for a probe of the API server: the lab's CA, and the client certificate where anonymous auth is off. */
export function apiProbeTls(plan: Plan): string[] {
  return ["--cacert", certPath("ca"), ...(probesAuthenticate(plan) ? ["--cert", certPath(API_HEALTHCHECK_CLIENT), "--key", keyPath(API_HEALTHCHECK_CLIENT)] : [])];
}
