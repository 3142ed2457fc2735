/**
 * Check: a pod runs to completion on each kubelet node and its log reads back through the API
 * (scheduling, the sandbox, the runtime, kubelet's log endpoint and the API server's client
 * certificate to kubelet all have to work).
 */
import { shellLine } from "../errors.js";
import { kubeletNodes, type Plan } from "../plan/plan.js";
import { CHECK_NAMESPACE, podLogTail, podProblem, startPodRun, toolboxPod, waitForPod } from "./check-pods.js";
import { checkResult, type PodCheck } from "./check.js";

/** The pod of a run on each kubelet node, and the line it prints. */
function logPods(plan: Plan, run: string): { node: string; name: string; token: string }[] {
  return kubeletNodes(plan).map((node) => ({ node: node.name, name: `logs-${node.name}-${run}`, token: `kubelab pod on ${node.name} says ${run}` }));
}

/** A pod's log read back. */
export const podLogs: PodCheck = {
  id: "pod-logs",
  title: "a pod runs and its log reads back",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  // Names are unique per run: what earlier runs left goes away while this one's pods start.
  pods: (plan, run) => logPods(plan, run).map((p) => toolboxPod({ name: p.name, check: podLogs.id, run, command: ["echo", p.token], nodeName: p.node })),
  async run(ctx, podsApplied) {
    const started = Date.now();
    const { suffix, cleaned } = await startPodRun(ctx, podLogs, podsApplied);
    const pods = logPods(ctx.plan, suffix);
    const results = await Promise.all(
      pods.map(async (p) => {
        const ran = shellLine(["kubectl", "logs", "-n", CHECK_NAMESPACE, p.name]);
        const { pod, ok, log: read } = await waitForPod(ctx, p.name, ["Succeeded", "Failed"], 60_000, { withLog: true });
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
        const log = read ?? (await podLogTail(ctx, p.name));
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
