/**
 * `lab verify`: run a lab's checks again against what is running.
 */
import { writeFileAtomic } from "../atomic-write.js";
import { runChecks } from "../checks/registry.js";
import type { CheckResult, EventSink } from "../pipeline/events.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { labFromState } from "./lab-from-state.js";

/** What `lab verify` found. */
export interface LabVerifyResult {
  ok: boolean;
  results: CheckResult[];
  durationMs: number;
}

/** Reruns the checks of a lab that is up. */
export async function labVerify(name: string, emit: EventSink, signal: AbortSignal = runAbortController().signal): Promise<LabVerifyResult> {
  const started = Date.now();
  const existing = await labFromState(name);
  const { plan, provider, paths } = existing;
  await provider.preflight();
  emit({ type: "run-start", lab: name, command: "verify", provider: provider.name, steps: [{ id: "checks", title: "Checking the cluster" }] });
  emit({ type: "step-start", step: "checks", title: "Checking the cluster" });
  const results = await runChecks({ plan, provider, paths, emit, signal }, plan.checks);
  await writeFileAtomic(paths.checksFile, `${JSON.stringify(results, null, 2)}\n`);
  const ok = !results.some((r) => r.status === "fail");
  const durationMs = Date.now() - started;
  emit({ type: "step-end", step: "checks", status: ok ? "ok" : "failed", durationMs });
  emit({ type: "run-end", status: ok ? "ok" : "failed", durationMs });
  return { ok, results, durationMs };
}
