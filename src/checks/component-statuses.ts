/**
 * Check: `kubectl get componentstatuses` reports every component Healthy (scheduler, controller
 * manager, each etcd member).
 */
import { shellLine } from "../errors.js";
import { adminNode } from "../plan/plan.js";
import { kubectlArgv } from "../pipeline/kubectl.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

interface ComponentStatusList {
  items: { metadata: { name: string }; conditions?: { type: string; status: string; message?: string; error?: string }[] }[];
}

/** componentstatuses all Healthy. */
export const componentStatuses: Check = {
  id: "component-statuses",
  title: "components are Healthy",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async run(ctx) {
    const started = Date.now();
    const node = adminNode(ctx.plan).name;
    const argv = kubectlArgv(["get", "componentstatuses", "-o", "json"]);
    const ran = shellLine(["kubectl", "get", "componentstatuses"]);
    const r = await exec(ctx, node, argv);
    if (r.exitCode !== 0) {
      return [checkResult(componentStatuses, started, { node, status: "fail", ran, saw: lastLines(r.stderr, 3), reason: "kubectl failed" })];
    }
    const list = JSON.parse(r.stdout) as ComponentStatusList;
    const rows = list.items
      .map((item) => {
        const healthy = item.conditions?.find((c) => c.type === "Healthy");
        return { name: item.metadata.name, ok: healthy?.status === "True", detail: healthy?.error || healthy?.message || "" };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const bad = rows.filter((row) => !row.ok);
    const expectedEtcd = ctx.plan.etcd.members.length;
    const etcdSeen = rows.filter((row) => row.name.startsWith("etcd-")).length;
    const saw = rows.map((row) => `${row.name} ${row.ok ? "Healthy" : "Unhealthy"}`).join(", ");
    if (bad.length || etcdSeen !== expectedEtcd) {
      const reason = bad.length
        ? bad.map((row) => `${row.name}: ${row.detail}`).join("; ")
        : `expected ${expectedEtcd} etcd members, saw ${etcdSeen}`;
      return [checkResult(componentStatuses, started, { node, status: "fail", ran, saw, reason })];
    }
    return [checkResult(componentStatuses, started, { node, status: "pass", ran, saw })];
  },
};
