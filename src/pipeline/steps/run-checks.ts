/**
 * Step: the lab's checks. Each result is an event; the step fails when any check fails (a check
 * that could not run here is reported as not run, never as passed).
 */
import { UserError } from "../../errors.js";
import { runChecks } from "../../checks/registry.js";
import { writeFileAtomic } from "../../atomic-write.js";
import type { Step } from "../step.js";

/** Runs the checks. */
export const runChecksStep: Step = {
  id: "checks",
  title: "Checking the cluster",
  async run(ctx) {
    const results = await runChecks(ctx, ctx.plan.checks);
    await writeFileAtomic(ctx.paths.checksFile, `${JSON.stringify(results, null, 2)}\n`);
    const failed = results.filter((r) => r.status === "fail");
    if (failed.length) {
      throw new UserError(`failed ${failed.length} of ${results.length} checks: ${[...new Set(failed.map((r) => r.check))].join(", ")}`, {
        hint: `the nodes are kept for inspection: lab logs ${ctx.plan.labName} NODE UNIT, lab verify ${ctx.plan.labName} to check again`,
      });
    }
  },
};
