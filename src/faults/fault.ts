/**
 * Fault drills (`lab break LAB DRILL`, `lab heal LAB`): a lab broken on purpose in one of the ways
 * clusters break, for `lab verify` to show what fails and why, then put right. Each fault knows
 * where it applies, which node it picks when none is named, how to break and how to undo.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { LabContext } from "../pipeline/lab-context.js";

/** The last of `items` (a drill's default node: the newest of its kind). */
export function last<T>(items: readonly T[]): T | undefined {
  return items[items.length - 1];
}

/** One way to break a lab. */
export interface Fault {
  readonly id: string;
  /** What it does, e.g. "stop an etcd member". */
  readonly title: string;
  /** What a learner should see in `lab verify` while it is in effect. */
  readonly expect: string;
  /** Why it cannot break this lab (or this node), or undefined when it can. */
  notApplicable(plan: Plan, node: PlannedNode): string | undefined;
  /** The node it breaks when none is named. */
  defaultNode(plan: Plan): PlannedNode | undefined;
  /** Breaks the lab on `node`. */
  break(ctx: LabContext, node: PlannedNode): Promise<void>;
  /** Undoes {@link Fault.break} on `node` and waits until what it stopped is back. */
  heal(ctx: LabContext, node: PlannedNode): Promise<void>;
  /** True when it takes an etcd member away from the others (which, with two members, loses the quorum). */
  readonly disturbsEtcd?: (node: PlannedNode) => boolean;
  /**
   * True when, while it is in effect, components lose the API server (it is down or refuses their
   * TLS, or they cannot reach it), as they also do when etcd is disturbed: heal then restarts them.
   */
  readonly cutsOffApi?: boolean;
}
