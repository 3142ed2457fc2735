/**
 * Pods on two different nodes for the cross-node checks: each runs the toolbox image, pinned to
 * its node, and waits; the checks run commands in them with `kubectl exec`.
 */
import { kubeletNodes, type Plan, type PlannedNode } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import type { ExecResult } from "../providers/provider.js";
import { CHECK_NAMESPACE, podProblem, startPodRun, toolboxPod, waitForPod } from "./check-pods.js";
import type { PodCheck } from "./check.js";

/** The two nodes cross-node checks use: the first two that run pods. */
export function crossNodePair(plan: Plan): [PlannedNode, PlannedNode] | undefined {
  const [a, b] = kubeletNodes(plan);
  return a && b ? [a, b] : undefined;
}

/** A running pod on a node. */
export interface PlacedPod {
  node: string;
  name: string;
  ip: string;
}

/** The name of the idle pod of run `run` of `check` on `node`. */
function idlePodName(check: string, node: PlannedNode, run: string): string {
  return `${check}-${node.name}-${run}`;
}

/** An idle toolbox pod of run `run` of `check` on each of `nodes` (labelled for the check). */
export function idlePodObjects(check: string, nodes: readonly PlannedNode[], run: string): Record<string, unknown>[] {
  return nodes.map((n) => toolboxPod({ name: idlePodName(check, n, run), check, run, command: ["sleep", "3600"], nodeName: n.name }));
}

/**
 * Starts a run of `check` (its objects hold an idle pod on each of `nodes`, see idlePodObjects),
 * calls `podsApplied`, and waits until those pods run. Resolves with the pods, or with the failure
 * results naming what did not run.
 */
export async function idlePods(
  ctx: LabContext,
  check: PodCheck,
  podsApplied: () => void,
  nodes: readonly PlannedNode[],
): Promise<{ pods: PlacedPod[]; suffix: string } | { failed: CheckResult[] }> {
  const started = Date.now();
  const { suffix, cleaned } = await startPodRun(ctx, check, podsApplied);
  const names = nodes.map((n) => idlePodName(check.id, n, suffix));
  const waited = await Promise.all(names.map((name) => waitForPod(ctx, name, ["Running"], 60_000)));
  await cleaned;
  const failed: CheckResult[] = [];
  for (const [i, w] of waited.entries()) {
    if (!w.ok) {
      failed.push({
        check: check.id,
        title: check.title,
        node: nodes[i]!.name,
        status: "fail",
        ran: `kubectl get pod -n ${CHECK_NAMESPACE} ${names[i]}`,
        saw: w.pod?.status.phase ?? "no pod",
        reason: await podProblem(ctx, w.pod, names[i]!),
        durationMs: Date.now() - started,
      });
    }
  }
  if (failed.length) return { failed };
  return { pods: waited.map((w, i) => ({ node: nodes[i]!.name, name: names[i]!, ip: w.pod!.status.podIP! })), suffix };
}

/** Runs a command in a check pod. */
export function execInPod(ctx: LabContext, pod: string, command: string[]): Promise<ExecResult> {
  return tryKubectl(ctx, ["exec", "-n", CHECK_NAMESPACE, pod, "--", ...command]);
}
