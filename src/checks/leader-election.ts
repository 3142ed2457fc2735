/**
 * Check: exactly one kube-controller-manager and one kube-scheduler lead (their leases in
 * kube-system are held, and renewed, by one of the controllers).
 */
import { shellLine } from "../errors.js";
import type { Plan } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { checkResult, type Check } from "./check.js";

/** The components that elect a leader. */
export const ELECTED = ["kube-controller-manager", "kube-scheduler"] as const;

/** A leader election lease as the checks read it. */
export interface LeaseInfo {
  /** The node holding it (the holder identity is `<hostname>_<uuid>`). */
  holderNode: string | undefined;
  holder: string | undefined;
  renewedAgoMs: number | undefined;
  durationSeconds: number | undefined;
}

/** Reads a component's leader election lease. */
export async function readLease(ctx: LabContext, component: string): Promise<LeaseInfo | undefined> {
  const r = await tryKubectl(ctx, ["get", "lease", "-n", "kube-system", component, "-o", "json"]);
  if (r.exitCode !== 0) return undefined;
  const spec = (JSON.parse(r.stdout) as { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }).spec ?? {};
  return {
    holder: spec.holderIdentity,
    holderNode: spec.holderIdentity?.split("_")[0],
    renewedAgoMs: spec.renewTime ? Date.now() - Date.parse(spec.renewTime) : undefined,
    durationSeconds: spec.leaseDurationSeconds,
  };
}

/** True when the lease is held by a controller and was renewed within its duration. */
export function leaseValid(plan: Plan, lease: LeaseInfo | undefined): boolean {
  return (
    lease?.holderNode !== undefined &&
    plan.api.servers.some((s) => s.name === lease.holderNode) &&
    lease.renewedAgoMs !== undefined &&
    lease.renewedAgoMs < (lease.durationSeconds ?? 15) * 1000 + 5000
  );
}

/** One leader each. */
export const leaderElection: Check = {
  id: "leader-election",
  title: "exactly one leader for the controller manager and the scheduler",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async run(ctx) {
    return Promise.all(
      ELECTED.map(async (component) => {
        const started = Date.now();
        const lease = await readLease(ctx, component);
        const ok = leaseValid(ctx.plan, lease);
        return checkResult(leaderElection, started, {
          node: lease?.holderNode,
          status: ok ? "pass" : "fail",
          ran: shellLine(["kubectl", "get", "lease", "-n", "kube-system", component]),
          saw: lease ? `${component} led by ${lease.holder ?? "nobody"}, renewed ${Math.round((lease.renewedAgoMs ?? 0) / 1000)}s ago` : `no lease for ${component}`,
          ...(ok ? {} : { reason: "no controller holds a fresh lease", hint: `every controller runs ${component} with --leader-elect: lab logs ${ctx.plan.labName} ${ctx.plan.api.servers[0]!.name} ${component}` }),
        });
      }),
    );
  },
};
