/**
 * Step: the lab's checks. Each result is an event; the step fails when any check fails (a check
 * that could not run here is reported as not run, never as passed), after the known causes of
 * failures found in the lab are named.
 */
import { UserError } from "../../errors.js";
import { applicableChecks } from "../../checks/registry.js";
import { checkAndDiagnose } from "../../diagnose/diagnose.js";
import { hostAction } from "../explanation.js";
import { writeFileAtomic } from "../../atomic-write.js";
import type { Step } from "../step.js";

/** Runs the checks. */
export const runChecksStep: Step = {
  id: "checks",
  title: "Checking the cluster",
  explain: (plan) => ({
    what: "Proof that the cluster works: each check runs real commands in the nodes and says what it ran and saw; the step fails when any check fails.",
    actions: applicableChecks(plan).map((c) => hostAction(`${c.id}: ${c.title}`)),
  }),
  async run(ctx) {
    const { results, diagnoses } = await checkAndDiagnose(ctx, ctx.plan.checks);
    await writeFileAtomic(ctx.paths.checksFile, `${JSON.stringify(results, null, 2)}\n`);
    const failed = results.filter((r) => r.status === "fail");
    if (failed.length) {
      throw new UserError(`failed ${failed.length} of ${results.length} checks: ${[...new Set(failed.map((r) => r.check))].join(", ")}`, {
        hint: `${diagnoses.length ? `${diagnoses.length === 1 ? "a known cause was" : `${diagnoses.length} known causes were`} found, with what to fix, above; ` : ""}the nodes are kept for inspection: lab logs ${ctx.plan.labName} NODE UNIT, lab verify ${ctx.plan.labName} to check again`,
      });
    }
  },
};
