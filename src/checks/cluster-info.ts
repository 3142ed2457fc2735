/**
 * Check: `kubectl cluster-info` reports the control plane at the lab's API endpoint.
 */
import { adminNode } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import { lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** kubectl cluster-info. */
export const clusterInfo: Check = {
  id: "cluster-info",
  title: "kubectl cluster-info",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async run(ctx) {
    const started = Date.now();
    const node = adminNode(ctx.plan).name;
    const r = await tryKubectl(ctx, ["cluster-info"]);
    // kubectl colours its output; the check reads the text.
    const text = r.stdout.replace(/\u001b\[[0-9;]*m/g, "").trim();
    const line = text.split("\n").find((l) => / is running at /.test(l)) ?? lastLines(`${text}${r.stderr}`, 2);
    const ok = r.exitCode === 0 && text.includes(`is running at ${ctx.plan.api.endpoint}`);
    return [
      checkResult(clusterInfo, started, {
        node,
        status: ok ? "pass" : "fail",
        ran: "kubectl cluster-info",
        saw: line.trim(),
        ...(ok ? {} : { reason: `expected the control plane at ${ctx.plan.api.endpoint}` }),
      }),
    ];
  },
};
