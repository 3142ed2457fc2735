/**
 * `lab explain`: the steps `lab up` takes for a lab, each with what it is for and the commands it
 * runs on which node, in order. Pure once the plan is read: nothing runs, no node is needed.
 */
import { UserError } from "../errors.js";
import { buildUpPipeline } from "../pipeline/build-pipeline.js";
import type { ExplainedAction } from "../pipeline/explanation.js";
import { stageSteps, type Step } from "../pipeline/step.js";
import type { Plan } from "../plan/plan.js";
import { planOfLab, type SubnetSource } from "./plan-of-lab.js";

/** One step, explained. */
export interface ExplainedStep {
  readonly id: string;
  readonly title: string;
  /** Ids of the steps that run at the same time as this one. */
  readonly alongside: readonly string[];
  readonly what: string;
  readonly actions: readonly ExplainedAction[];
}

/** A lab's steps, explained. */
export interface LabExplanation {
  readonly lab: string;
  /** The node subnet the addresses are on (see planOfLab). */
  readonly nodeSubnet: string;
  readonly subnet: SubnetSource;
  readonly steps: readonly ExplainedStep[];
}

/** The steps of `lab up` for `plan`, in order, each with the steps it runs alongside. */
export function upSteps(plan: Plan): { step: Step; alongside: string[] }[] {
  return buildUpPipeline(plan).flatMap((stage) => {
    const steps = stageSteps(stage);
    return steps.map((step) => ({ step, alongside: steps.filter((s) => s !== step).map((s) => s.id) }));
  });
}

/** Fails unless `id` is a step of `plan`'s pipeline, naming the steps there are. */
export function requireStep(plan: Plan, id: string): void {
  const ids = upSteps(plan).map((s) => s.step.id);
  if (!ids.includes(id)) {
    throw new UserError(`failed to find step ${id} in lab ${plan.labName}`, { hint: `its steps, in order: ${ids.join(", ")}`, exitCode: 2 });
  }
}

/** Explains every step of `plan`, or only `step`. Pure. */
export function explainPlan(plan: Plan, subnet: SubnetSource, step?: string): LabExplanation {
  if (step !== undefined) requireStep(plan, step);
  const steps = upSteps(plan)
    .filter((s) => step === undefined || s.step.id === step)
    .map(({ step: s, alongside }) => ({ id: s.id, title: s.title, alongside, ...s.explain(plan) }));
  return { lab: plan.labName, nodeSubnet: plan.network.nodeSubnet, subnet, steps };
}

/** Explains every step of `arg` (a lab name or lab file), or only `step`. */
export async function explainLab(arg: string, step?: string, env: NodeJS.ProcessEnv = process.env): Promise<LabExplanation> {
  const { plan, subnet } = await planOfLab(arg, env);
  return explainPlan(plan, subnet, step);
}
