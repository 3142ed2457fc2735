/**
 * Step: start every etcd member and wait until each answers a health check over TLS.
 */
import type { PlannedNode } from "../../plan/plan.js";
import type { LabContext } from "../lab-context.js";
import { renderFlag } from "../../render/flags.js";
import { etcdctlFlags } from "../../render/etcd.js";
import { startUnits, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** Waits until the etcd member on `node` answers a health check over TLS. */
export async function waitForEtcdMember(ctx: LabContext, node: PlannedNode, step: string): Promise<void> {
  const flags = etcdctlFlags(ctx.plan).filter(([name]) => name !== "endpoints");
  await waitFor(ctx, {
    step,
    node: node.name,
    what: "etcd to be healthy",
    argv: ["etcdctl", `--endpoints=https://${node.ip}:2379`, ...flags.map(renderFlag), "endpoint", "health"],
    units: ["etcd"],
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

/** Starts etcd. */
export const startEtcd: Step = {
  id: "etcd",
  title: "Starting etcd",
  async run(ctx) {
    const members = ctx.plan.nodes.filter((n) => n.etcd);
    await forEachNode(ctx, "etcd", members, async (node) => {
      await startUnits(ctx, node.name, ["etcd"]);
      await waitForEtcdMember(ctx, node, "start etcd");
    });
  },
};
