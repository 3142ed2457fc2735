/**
 * Step: start every etcd member and wait until each answers a health check over TLS.
 */
import type { Plan, PlannedNode } from "../../plan/plan.js";
import type { LabContext } from "../lab-context.js";
import { renderFlag } from "../../render/flags.js";
import { etcdctlFlags } from "../../render/etcd.js";
import { commandAction, waitAction } from "../explanation.js";
import { startUnits, startUnitsArgv, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** How long a member may take to answer. */
export const ETCD_TIMEOUT_MS = 30_000;

/** The health check of the etcd member on `node`, over TLS with the health check client's certificate. */
export function etcdHealthArgv(plan: Plan, node: PlannedNode): string[] {
  const flags = etcdctlFlags(plan).filter(([name]) => name !== "endpoints");
  return ["etcdctl", `--endpoints=https://${node.ip}:2379`, ...flags.map(renderFlag), "endpoint", "health"];
}

/** Waits until the etcd member on `node` answers a health check over TLS. */
export async function waitForEtcdMember(ctx: LabContext, node: PlannedNode, step: string): Promise<void> {
  await waitFor(ctx, {
    step,
    node: node.name,
    what: "etcd to be healthy",
    argv: etcdHealthArgv(ctx.plan, node),
    units: ["etcd"],
    timeoutMs: ETCD_TIMEOUT_MS,
    intervalMs: 100,
  });
}

/** Starts etcd. */
export const startEtcd: Step = {
  id: "etcd",
  title: "Starting etcd",
  explain: (plan) => ({
    what:
      "etcd is the cluster's store: the API server keeps every object there. Each member serves clients and its peers over TLS, " +
      "with certificates from the etcd CA; a member is up once it answers a health check with the health check client's certificate.",
    actions: plan.nodes
      .filter((n) => n.etcd)
      .flatMap((node) => [
        commandAction(node.name, startUnitsArgv(["etcd"]), "start the etcd unit"),
        waitAction(node.name, etcdHealthArgv(plan, node), ETCD_TIMEOUT_MS, "until the member is healthy"),
      ]),
  }),
  async run(ctx) {
    const members = ctx.plan.nodes.filter((n) => n.etcd);
    await forEachNode(ctx, "etcd", members, async (node) => {
      await startUnits(ctx, node.name, ["etcd"]);
      await waitForEtcdMember(ctx, node, "start etcd");
    });
  },
};
