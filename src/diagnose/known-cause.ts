/**
 * A known cause of failed checks: one of the ways a cluster built by hand goes wrong, looked for in
 * the running lab once a check has failed. Each one that is found is named with the file or flag to
 * fix, so a learner sees why and not only what.
 */
import type { Plan } from "../plan/plan.js";
import type { Diagnosis } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";

/** One known cause, and how to look for it. */
export interface KnownCause {
  readonly id: string;
  /** The cause, e.g. "an API server certificate missing a SAN a client uses". */
  readonly title: string;
  /** False when the lab cannot have this cause (e.g. peer TLS with one etcd member). */
  appliesTo(plan: Plan): boolean;
  /** Looks for the cause in the running lab: a diagnosis per place it is found, none when it is not. */
  find(ctx: LabContext): Promise<Diagnosis[]>;
}

/** A diagnosis of `cause`. */
export function diagnosisOf(cause: Pick<KnownCause, "id" | "title">, fields: Omit<Diagnosis, "diagnosis" | "title">): Diagnosis {
  return { diagnosis: cause.id, title: cause.title, ...fields };
}
