/**
 * Check: `kubectl get componentstatuses` reports every component Healthy (scheduler, controller
 * manager, each etcd member). A component that kubelet is restarting (its liveness probe failed on
 * a slow VM) is asked again for a while before the check fails; an API server that does not answer
 * fails it at once.
 */
import { shellLine } from "../errors.js";
import { adminNode } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { lastLines, scaledTimeout } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

interface ComponentStatusList {
  items: { metadata: { name: string }; conditions?: { type: string; status: string; message?: string; error?: string }[] }[];
}

/** How long an Unhealthy component is asked again before the check fails. */
const UNHEALTHY_GRACE_MS = 20_000;

/** Each component's health, sorted by name, or kubectl's error. */
async function statuses(ctx: LabContext): Promise<{ name: string; ok: boolean; detail: string }[] | string> {
  const r = await tryKubectl(ctx, ["get", "componentstatuses", "-o", "json"]);
  if (r.exitCode !== 0) return lastLines(r.stderr, 3);
  return (JSON.parse(r.stdout) as ComponentStatusList).items
    .map((item) => {
      const healthy = item.conditions?.find((c) => c.type === "Healthy");
      return { name: item.metadata.name, ok: healthy?.status === "True", detail: healthy?.error || healthy?.message || "" };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** componentstatuses all Healthy. */
export const componentStatuses: Check = {
  id: "component-statuses",
  title: "components are Healthy",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async run(ctx) {
    const started = Date.now();
    const node = adminNode(ctx.plan).name;
    const ran = shellLine(["kubectl", "get", "componentstatuses"]);
    const deadline = started + scaledTimeout(UNHEALTHY_GRACE_MS, ctx);
    for (;;) {
      const seen = await statuses(ctx);
      if (typeof seen === "string") return [checkResult(componentStatuses, started, { node, status: "fail", ran, saw: seen, reason: "kubectl failed" })];
      const bad = seen.filter((row) => !row.ok);
      const expectedEtcd = ctx.plan.etcd.members.length;
      const etcdSeen = seen.filter((row) => row.name.startsWith("etcd-")).length;
      const saw = seen.map((row) => `${row.name} ${row.ok ? "Healthy" : "Unhealthy"}`).join(", ");
      if (!bad.length && etcdSeen === expectedEtcd) return [checkResult(componentStatuses, started, { node, status: "pass", ran, saw })];
      if (Date.now() >= deadline || ctx.signal.aborted) {
        const reason = bad.length ? bad.map((row) => `${row.name}: ${row.detail}`).join("; ") : `expected ${expectedEtcd} etcd members, saw ${etcdSeen}`;
        return [checkResult(componentStatuses, started, { node, status: "fail", ran, saw, reason })];
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  },
};
