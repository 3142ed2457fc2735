/**
 * A step of a pipeline: an id, a title and one function. Steps that do not depend on each other
 * can be grouped with {@link parallel}.
 */
import type { Plan } from "../plan/plan.js";
import type { StepExplanation } from "./explanation.js";
import type { RunContext } from "./run-context.js";

/** One step of bringing a lab up. */
export interface Step {
  /** Stable id, used by events, `--until` and `lab explain`. */
  readonly id: string;
  /** What a person sees while it runs. */
  readonly title: string;
  run(ctx: RunContext): Promise<void>;
  /** What the step does and the commands it runs on which node, in order (pure: for `lab explain`). */
  explain(plan: Plan): StepExplanation;
}

/** Steps that run at the same time. */
export interface ParallelSteps {
  readonly parallel: readonly Step[];
}

/** An entry of a pipeline. */
export type Stage = Step | ParallelSteps;

/** Runs steps at the same time; the stage ends when all have ended. */
export function parallel(...steps: Step[]): ParallelSteps {
  return { parallel: steps };
}

/** The steps of a stage. */
export function stageSteps(stage: Stage): readonly Step[] {
  return "parallel" in stage ? stage.parallel : [stage];
}
