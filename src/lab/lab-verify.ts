/**
 * `lab verify`: run a lab's checks again against what is running.
 */
import { writeFileAtomic } from "../atomic-write.js";
import { runDrills } from "../checks/failover-drills.js";
import { runChecks } from "../checks/registry.js";
import { securityAudit } from "../security/security-audit.js";
import type { CheckResult, EventSink } from "../pipeline/events.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { labFromState } from "./lab-from-state.js";

/** What `lab verify` found. */
export interface LabVerifyResult {
  ok: boolean;
  results: CheckResult[];
  durationMs: number;
}

/** What `lab verify` was asked for. */
export interface LabVerifyOptions {
  /** Also run the failover drills (they stop and restart components). */
  failover?: boolean;
  /** Also audit every node's security settings (file modes, CA keys, API server and kubelet flags). */
  security?: boolean;
  signal?: AbortSignal;
}

/** Reruns the checks of a lab that is up (and, with `failover`, its failover drills). */
export async function labVerify(name: string, emit: EventSink, options: LabVerifyOptions = {}): Promise<LabVerifyResult> {
  const started = Date.now();
  const existing = await labFromState(name);
  const { plan, provider, paths } = existing;
  await provider.preflight();
  const ctx = { plan, provider, paths, emit, signal: options.signal ?? runAbortController().signal };
  const steps = [
    { id: "checks", title: "Checking the cluster", run: () => runChecks(ctx, plan.checks) },
    ...(options.security ? [{ id: "security", title: "Auditing each node's security settings", run: () => securityAudit(ctx) }] : []),
    ...(options.failover ? [{ id: "failover", title: "Failover drills", run: () => runDrills(ctx) }] : []),
  ];
  emit({ type: "run-start", lab: name, command: "verify", provider: provider.name, steps: steps.map(({ id, title }) => ({ id, title })) });
  const results: CheckResult[] = [];
  for (const step of steps) {
    const stepStarted = Date.now();
    emit({ type: "step-start", step: step.id, title: step.title });
    const found = await step.run();
    results.push(...found);
    emit({ type: "step-end", step: step.id, status: found.some((r) => r.status === "fail") ? "failed" : "ok", durationMs: Date.now() - stepStarted });
  }
  await writeFileAtomic(paths.checksFile, `${JSON.stringify(results, null, 2)}\n`);
  const ok = !results.some((r) => r.status === "fail");
  const durationMs = Date.now() - started;
  emit({ type: "run-end", status: ok ? "ok" : "failed", durationMs });
  return { ok, results, durationMs };
}
