/**
 * A check: something `lab up` and `lab verify` prove about a running lab. It runs real commands in
 * the nodes and reports, per node where that applies, what it ran and what it saw.
 */
import type { CheckId } from "../config/lab-schema.js";
import type { Plan } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";

/** One check. */
export interface Check {
  readonly id: CheckId;
  readonly title: string;
  /** False when the lab has nothing for this check to look at. */
  appliesTo(plan: Plan): boolean;
  /**
   * For a check that starts pods: the objects one run of it creates, their names made unique by the
   * run's suffix. Pods take the longest, so such a check starts ahead of the others (see
   * runChecks), and its run calls `podsApplied` as soon as the API server has its objects; `lab
   * start` applies them even before the cluster is back (see startPodRunsAhead).
   */
  pods?(plan: Plan, run: string): Record<string, unknown>[];
  /** Runs the check; `podsApplied` is for checks that start pods. */
  run(ctx: LabContext, podsApplied: () => void): Promise<CheckResult[]>;
}

/** A check that starts pods. */
export type PodCheck = Check & Required<Pick<Check, "pods">>;

/** Builds a result, timing it from `started`. */
export function checkResult(
  check: { readonly id: string; readonly title: string },
  started: number,
  fields: Omit<CheckResult, "check" | "title" | "durationMs">,
): CheckResult {
  return { check: check.id, title: check.title, ...fields, durationMs: Date.now() - started };
}
