/**
 * `lab verify`: run a lab's checks again against what is running.
 */
import { writeFileAtomic } from "../atomic-write.js";
import { UserError } from "../errors.js";
import { runDrills } from "../checks/failover-drills.js";
import { checkAndDiagnose } from "../diagnose/diagnose.js";
import { securityAudit } from "../security/security-audit.js";
import type { CheckResult, EventSink } from "../pipeline/events.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { readFaults } from "../faults/faults-record.js";
import { labFromState } from "./lab-from-state.js";
import { requireStep } from "./lab-explain.js";
import { verifyStep } from "./verify-step.js";

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
  /** Instead of the checks, prove one step's work (`--step`, after doing it by hand). */
  step?: string;
  signal?: AbortSignal;
}

/** Reruns the checks of a lab that is up (and, with `failover`, its failover drills). */
export async function labVerify(name: string, emit: EventSink, options: LabVerifyOptions = {}): Promise<LabVerifyResult> {
  const started = Date.now();
  const existing = await labFromState(name);
  const { plan, provider, paths } = existing;
  await provider.preflight();
  const ctx = { plan, provider, paths, emit, signal: options.signal ?? runAbortController().signal };
  const only = options.step;
  if (only !== undefined) {
    if (options.security || options.failover) {
      throw new UserError("failed to verify: --step checks one step's work only", { hint: "run --security or --failover on their own", exitCode: 2 });
    }
    requireStep(plan, only);
  }
  const steps =
    only !== undefined
      ? [{ id: only, title: `Checking the work of step ${only}`, run: () => verifyStep(ctx, only) }]
      : [
          { id: "checks", title: "Checking the cluster", run: async () => (await checkAndDiagnose(ctx, plan.checks)).results },
          ...(options.security ? [{ id: "security", title: "Auditing each node's security settings", run: () => securityAudit(ctx) }] : []),
          ...(options.failover ? [{ id: "failover", title: "Failover drills", run: () => runDrills(ctx) }] : []),
        ];
  emit({ type: "run-start", lab: name, command: "verify", provider: provider.name, steps: steps.map(({ id, title }) => ({ id, title })) });
  const faults = await readFaults(paths);
  if (faults.length) {
    emit({
      type: "log",
      level: "warn",
      message: `drills in effect (lab break): ${faults.map((f) => `${f.fault} on ${f.node}`).join(", ")}; failures they cause are expected, lab heal ${name} undoes them`,
    });
  }
  const results: CheckResult[] = [];
  for (const step of steps) {
    const stepStarted = Date.now();
    emit({ type: "step-start", step: step.id, title: step.title });
    const found = await step.run();
    results.push(...found);
    emit({ type: "step-end", step: step.id, status: found.some((r) => r.status === "fail") ? "failed" : "ok", durationMs: Date.now() - stepStarted });
  }
  // The record of the lab's checks; one step's proof is not that.
  if (only === undefined) await writeFileAtomic(paths.checksFile, `${JSON.stringify(results, null, 2)}\n`);
  const ok = !results.some((r) => r.status === "fail");
  const durationMs = Date.now() - started;
  emit({ type: "run-end", status: ok ? "ok" : "failed", durationMs });
  return { ok, results, durationMs };
}
