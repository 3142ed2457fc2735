/**
 * Check: a pod runs to completion on each kubelet node and its log reads back through the API
 * (scheduling, the sandbox, the runtime, kubelet's log endpoint and the API server's client
 * certificate to kubelet all have to work).
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { CHECK_NAMESPACE, podLogTail, podProblem, runSuffix, startPods, toolboxPod, waitForPod } from "./check-pods.js";
import { checkResult, type Check } from "./check.js";

/** A pod's log read back. */
export const podLogs: Check = {
  id: "pod-logs",
  title: "a pod runs and its log reads back",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  startsPods: true,
  async run(ctx, podsApplied) {
    const started = Date.now();
    // Names are unique per run: what earlier runs left goes away while this one's pods start.
    const suffix = runSuffix();
    const pods = kubeletNodes(ctx.plan).map((node) => ({
      node: node.name,
      name: `logs-${node.name}-${suffix}`,
      token: `kubelab pod on ${node.name} says ${suffix}`,
    }));
    const { cleaned } = await startPods(
      ctx,
      podLogs.id,
      suffix,
      pods.map((p) => toolboxPod({ name: p.name, check: podLogs.id, run: suffix, command: ["echo", p.token], nodeName: p.node })),
      podsApplied,
    );
    const results = await Promise.all(
      pods.map(async (p) => {
        const ran = shellLine(["kubectl", "logs", "-n", CHECK_NAMESPACE, p.name]);
        const { pod, ok } = await waitForPod(ctx, p.name, ["Succeeded", "Failed"], 60_000);
        if (!ok || pod?.status.phase !== "Succeeded") {
          return checkResult(podLogs, started, {
            node: p.node,
            status: "fail",
            ran,
            saw: pod?.status.phase ?? "no pod",
            reason: await podProblem(ctx, pod, p.name),
            hint: `kubectl describe pod -n ${CHECK_NAMESPACE} ${p.name}  (lab exec ${ctx.plan.labName} ${p.node} -- journalctl -u kubelet)`,
          });
        }
        const log = await podLogTail(ctx, p.name);
        const passed = log === p.token;
        return checkResult(podLogs, started, {
          node: p.node,
          status: passed ? "pass" : "fail",
          ran,
          saw: log || "(empty log)",
          ...(passed ? {} : { reason: `expected "${p.token}"` }),
        });
      }),
    );
    await cleaned;
    return results;
  },
};
