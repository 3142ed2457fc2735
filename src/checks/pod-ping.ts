/**
 * Check: container-to-container ping across hosts, both ways, between pods on two different
 * nodes (over the overlay).
 */
import { lastLines } from "../pipeline/node-commands.js";
import { checkResult, type PodCheck } from "./check.js";
import { crossNodePair, execInPod, idlePodObjects, idlePods } from "./cross-node-pods.js";

/** Pod-to-pod ping across nodes. */
export const podPing: PodCheck = {
  id: "pod-ping",
  title: "pods on different nodes ping each other",
  appliesTo: (plan) => crossNodePair(plan) !== undefined,
  pods: (plan, run) => idlePodObjects(podPing.id, crossNodePair(plan)!, run),
  async run(ctx, podsApplied) {
    const started = Date.now();
    const placed = await idlePods(ctx, podPing, podsApplied, crossNodePair(ctx.plan)!);
    if ("failed" in placed) return placed.failed;
    const [a, b] = placed.pods as [(typeof placed.pods)[0], (typeof placed.pods)[0]];
    return Promise.all(
      [
        [a, b],
        [b, a],
      ].map(async ([from, to]) => {
        const r = await execInPod(ctx, from!.name, ["ping", "-c", "2", "-W", "2", to!.ip]);
        const summary = r.stdout.match(/\d+ packets transmitted, \d+ packets received.*$/m)?.[0] ?? lastLines(`${r.stdout}${r.stderr}`, 2);
        const ok = r.exitCode === 0;
        return checkResult(podPing, started, {
          node: from!.node,
          status: ok ? "pass" : "fail",
          ran: `kubectl exec ${from!.name} -- ping -c 2 -W 2 ${to!.ip}`,
          saw: `${from!.ip} (${from!.node}) -> ${to!.ip} (${to!.node}): ${summary.replace(/\n/g, " ")}`,
          ...(ok ? {} : { reason: "no reply across the overlay", hint: `lab verify ${ctx.plan.labName} shows the overlay-interfaces check; lab exec ${ctx.plan.labName} ${from!.node} -- ip route` }),
        });
      }),
    );
  },
};
