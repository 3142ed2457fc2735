/**
 * Step (a lab coming back, beside the wait for its cluster): the checks' pods are created as soon
 * as the API server answers. It answers about a second before it is ready (a start-up hook of
 * Kubernetes 1.20 waits a second before its first try), and pods are the slowest part of the
 * checks: they start meanwhile, and the checks that made them take them over (startPodRunsAhead).
 * Nothing the checks prove is taken for granted here: each still waits for its own pods and reports
 * what it saw. A check whose objects could not be applied yet applies its own in the checks step.
 */
import { applicableChecks } from "../../checks/registry.js";
import { startPodRunsAhead } from "../../checks/check-pods.js";
import type { PodCheck } from "../../checks/check.js";
import { errorMessage } from "../../errors.js";
import { adminNode, type Plan } from "../../plan/plan.js";
import { apiProbeTls } from "../../render/api-probe.js";
import { commandAction, waitAction } from "../explanation.js";
import { kubectlArgv } from "../kubectl.js";
import { pollUntil, scaledTimeout } from "../node-commands.js";
import type { Step } from "../step.js";

/** How long this waits for the API server to answer before it leaves the pods to the checks. */
const ANSWER_TIMEOUT_MS = 90_000;

/** The lab's checks that start pods. */
function podChecks(plan: Plan): PodCheck[] {
  return applicableChecks(plan).filter((c): c is PodCheck => c.pods !== undefined);
}

/** A request the API server answers as soon as it serves (before it is ready). */
function answersArgv(plan: Plan): string[] {
  return ["curl", "-fsS", "--max-time", "2", ...apiProbeTls(plan), `https://127.0.0.1:${plan.api.port}/version`];
}

/** Starts the checks' pods early. */
export const startCheckPods: Step = {
  id: "check-pods",
  title: "Starting the checks' pods",
  explain: (plan) => {
    const checks = podChecks(plan);
    const admin = adminNode(plan).name;
    return {
      what: "While the cluster comes back, the checks' pods are created as soon as the API server answers (about a second before it is ready), so that they are running when the checks start.",
      actions: checks.length
        ? [
            waitAction(admin, answersArgv(plan), ANSWER_TIMEOUT_MS, "until the API server answers"),
            ...checks.map((c) => commandAction(admin, kubectlArgv(["apply", "-f", "-"]), `the pods of ${c.id}`)),
          ]
        : [],
    };
  },
  async run(ctx) {
    const checks = podChecks(ctx.plan);
    if (!checks.length) return;
    const answered = await pollUntil(ctx, adminNode(ctx.plan).name, answersArgv(ctx.plan), Date.now() + scaledTimeout(ANSWER_TIMEOUT_MS, ctx), 100);
    // An API server that does not answer fails the wait for the cluster, which says why.
    if (answered.exitCode !== 0) return;
    const { started, failed } = await startPodRunsAhead(ctx, checks);
    if (started.length) ctx.emit({ type: "log", level: "debug", message: `started the pods of ${started.map((s) => `${s.id} (run ${s.suffix})`).join(", ")} ahead of the checks` });
    for (const f of failed) {
      ctx.emit({ type: "log", level: "debug", message: `could not start the pods of ${f.id} yet (its check starts them): ${errorMessage(f.error)}` });
    }
  },
};
