/**
 * Every check, by id, and running a lab's checks together.
 */
import type { CheckId } from "../config/lab-schema.js";
import type { Plan } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { toErrorInfo } from "../pipeline/error-info.js";
import { scaledTimeout } from "../pipeline/node-commands.js";
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

/** How long the other checks wait at most for the checks that start pods to apply them. */
const HEAD_START_MS = 2_000;

/** The checks of `ids` (by default the lab's own) that apply to the lab. */
export function applicableChecks(plan: Plan, ids: readonly CheckId[] = plan.checks): Check[] {
  return ids.map((id) => CHECKS[id]).filter((c) => c.appliesTo(plan));
}

/** Runs the lab's checks (those of `ids` that apply to it) at the same time, as runCheckSet. */
export function runChecks(ctx: LabContext, ids: readonly CheckId[]): Promise<CheckResult[]> {
  return runCheckSet(ctx, applicableChecks(ctx.plan, ids));
}

/**
 * Runs checks at the same time, emitting each result as it comes.
 *
 * The checks that start pods go first, alone: their pods take the longest to run, and alone their
 * applies are answered in a fraction of the time they take behind a dozen other commands. The
 * others start once each of those has applied its pods (or ended), or after 2 s at most (scaled by
 * the provider's slowdown), so that a slow API server delays nothing else for long.
 */
export async function runCheckSet(ctx: LabContext, checks: readonly Check[]): Promise<CheckResult[]> {
  let open = (): void => {};
  const headStart = new Promise<void>((resolve) => (open = resolve));
  let applying = checks.filter((c) => c.pods).length;
  if (applying === 0) open();
  const timer = setTimeout(open, scaledTimeout(HEAD_START_MS, ctx));
  try {
    const all = await Promise.all(
      checks.map(async (check) => {
        if (!check.pods) {
          await headStart;
          return runCheck(ctx, check, () => {});
        }
        let applied = false;
        const podsApplied = (): void => {
          if (applied) return;
          applied = true;
          if (--applying === 0) open();
        };
        try {
          return await runCheck(ctx, check, podsApplied);
        } finally {
          podsApplied();
        }
      }),
    );
    return all.flat();
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one check and emits its results; a check that throws has failed, and says why. */
async function runCheck(ctx: LabContext, check: Check, podsApplied: () => void): Promise<CheckResult[]> {
  const started = Date.now();
  let results: CheckResult[];
  try {
    results = await check.run(ctx, podsApplied);
  } catch (error) {
    const info = toErrorInfo(error);
    results = [{ check: check.id, title: check.title, status: "fail", ran: info.command ?? check.id, saw: info.output ?? "", reason: info.message, hint: info.hint, durationMs: Date.now() - started }];
  }
  for (const result of results) ctx.emit({ type: "check", result });
  return results;
}
