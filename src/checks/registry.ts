/**
 * Every check, by id, and running a lab's checks together.
 */
import type { CheckId } from "../config/lab-schema.js";
import type { CheckResult } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { toErrorInfo } from "../pipeline/error-info.js";
import { anonymousAuth } from "./anonymous-auth.js";
import { apiserverHealth } from "./apiserver-health.js";
import { auditLog } from "./audit-log.js";
import { encryptionAtRest } from "./encryption-at-rest.js";
import { tlsBootstrap } from "./tls-bootstrap.js";
import { tlsPolicy } from "./tls-policy.js";
import type { Check } from "./check.js";
import { clusterInfo } from "./cluster-info.js";
import { clusterIpService } from "./cluster-ip-service.js";
import { componentStatuses } from "./component-statuses.js";
import { dnsCheck } from "./dns.js";
import { etcdHealth } from "./etcd-health.js";
import { etcdMembers } from "./etcd-members.js";
import { etcdVersion } from "./etcd-version.js";
import { flannelLeases } from "./flannel-leases.js";
import { flannelSubnetEnv } from "./flannel-subnet-env.js";
import { leaderElection } from "./leader-election.js";
import { loadBalancer } from "./load-balancer.js";
import { nodePing } from "./node-ping.js";
import { overlayInterfaces } from "./overlay-interfaces.js";
import { podPing } from "./pod-ping.js";
import { serviceFromPod } from "./service-from-pod.js";
import { nodesReady } from "./nodes-ready.js";
import { podLogs } from "./pod-logs.js";

/** Every check kubelab knows. */
export const CHECKS: Record<CheckId, Check> = {
  "etcd-health": etcdHealth,
  "etcd-version": etcdVersion,
  "apiserver-health": apiserverHealth,
  "cluster-info": clusterInfo,
  "component-statuses": componentStatuses,
  "nodes-ready": nodesReady,
  "pod-logs": podLogs,
  "cluster-ip-service": clusterIpService,
  dns: dnsCheck,
  "overlay-interfaces": overlayInterfaces,
  "flannel-subnet-env": flannelSubnetEnv,
  "flannel-leases": flannelLeases,
  "node-ping": nodePing,
  "pod-ping": podPing,
  "service-from-pod": serviceFromPod,
  "etcd-members": etcdMembers,
  loadbalancer: loadBalancer,
  "leader-election": leaderElection,
  "encryption-at-rest": encryptionAtRest,
  "audit-log": auditLog,
  "tls-bootstrap": tlsBootstrap,
  "anonymous-auth": anonymousAuth,
  "tls-policy": tlsPolicy,
};

/** Runs the lab's checks at the same time, emitting each result as it comes. */
export async function runChecks(ctx: LabContext, ids: readonly CheckId[]): Promise<CheckResult[]> {
  const checks = ids.map((id) => CHECKS[id]).filter((c) => c.appliesTo(ctx.plan));
  const all = await Promise.all(
    checks.map(async (check) => {
      const started = Date.now();
      let results: CheckResult[];
      try {
        results = await check.run(ctx);
      } catch (error) {
        // A check that cannot even run its commands has failed; say why.
        const info = toErrorInfo(error);
        results = [{ check: check.id, title: check.title, status: "fail", ran: info.command ?? check.id, saw: info.output ?? "", reason: info.message, hint: info.hint, durationMs: Date.now() - started }];
      }
      for (const result of results) ctx.emit({ type: "check", result });
      return results;
    }),
  );
  return all.flat();
}
