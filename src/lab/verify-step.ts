/**
 * `lab verify NAME --step STEP`: whether a step's work is in place, whoever did it (a learner who
 * did the step by hand, after `lab up --until STEP`). Each of the step's proof commands (see
 * StepExplanation.proof) runs once on its node and is a result: pass, or fail with what it saw.
 */
import { runChecks } from "../checks/registry.js";
import { proofOf } from "../pipeline/explanation.js";
import type { CheckResult } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { upSteps } from "./lab-explain.js";

/** The results of step `id`'s proof on `ctx`'s lab (the checks themselves for the checks step), each also emitted. */
export async function verifyStep(ctx: LabContext, id: string): Promise<CheckResult[]> {
  if (id === "checks") return runChecks(ctx, ctx.plan.checks);
  const results = await proofResults(ctx, id);
  for (const result of results) ctx.emit({ type: "check", result });
  return results;
}

async function proofResults(ctx: LabContext, id: string): Promise<CheckResult[]> {
  const { plan } = ctx;
  const step = upSteps(plan).find((s) => s.step.id === id)!.step;
  const explanation = step.explain(plan);
  const proof = proofOf(explanation);
  const check = `step:${id}`;
  if (!proof.length) {
    const onHost = explanation.actions.every((a) => a.node === undefined);
    return [
      {
        check,
        title: step.title,
        status: "not-run",
        ran: "",
        saw: "",
        reason: onHost ? "kubelab does this step itself, on this machine: there is nothing to do by hand" : "this lab gives the step nothing to prove",
        hint: `what it does: lab explain ${plan.labName} ${id}`,
        durationMs: 0,
      },
    ];
  }
  return Promise.all(
    proof.map(async (action) => {
      const started = Date.now();
      const r = await exec(ctx, action.node!, ["sh", "-c", action.command!]);
      const passed = r.exitCode === 0;
      return {
        check,
        title: action.note,
        node: action.node,
        status: passed ? "pass" : "fail",
        ran: action.command!,
        saw: lastLines(`${r.stdout}${r.stderr}`, 5).trim() || `exit code ${r.exitCode}`,
        ...(passed ? {} : { reason: `not yet: ${action.note}`, hint: `what the step does, command by command: lab explain ${plan.labName} ${id}` }),
        durationMs: Date.now() - started,
      } satisfies CheckResult;
    }),
  );
}
