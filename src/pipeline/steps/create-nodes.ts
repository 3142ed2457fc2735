/**
 * Step: the lab's network and nodes, booted to systemd. Binaries are shared read-only from the
 * host (containers) or copied in (VMs).
 */
import { artifactShares } from "../../artifacts/resolve-artifacts.js";
import type { Plan } from "../../plan/plan.js";
import type { Share } from "../../providers/provider.js";
import { BIN_DIR } from "../../render/node-layout.js";
import { STATIC_POD_COMPONENTS } from "../../render/static-pods.js";
import { need } from "../run-context.js";
import type { Step } from "../step.js";

/**
 * What nodes need from the host: with a static-pods control plane its binaries travel in the
 * component images, so a node (a VM copies what it gets) is spared them.
 */
function nodeShares(plan: Plan, shares: Share[]): Share[] {
  if (plan.controlPlaneMode !== "static-pods") return shares;
  const inImages = new Set<string>(STATIC_POD_COMPONENTS.map((c) => `${BIN_DIR}/${c}`));
  return shares.filter((s) => !inImages.has(s.nodePath));
}

/** Creates and boots every node. */
export const createNodes: Step = {
  id: "nodes",
  title: "Creating nodes",
  explain: (plan) => ({
    what:
      `One ${plan.provider === "docker" ? "container running systemd" : "virtual machine"} per node, on the lab's own network ${plan.network.nodeSubnet}, ` +
      "with the plan's hostname and address; the binaries are shared into it read-only.",
    actions: plan.nodes.map((n) => ({ node: n.name, note: `create ${n.name} (${n.roles.join(", ")}) at ${n.ip} and wait for systemd to be up` })),
  }),
  async run(ctx) {
    const started = new Map<string, number>();
    await ctx.provider.createNodes(ctx.plan, {
      image: need(ctx, "image"),
      shares: nodeShares(ctx.plan, artifactShares(need(ctx, "artifacts"))),
      signal: ctx.signal,
      onOutput: (node, line) => ctx.emit({ type: "progress", step: "nodes", node, message: line }),
      onNode: (node, phase) => {
        if (phase === "creating") {
          started.set(node, Date.now());
          ctx.emit({ type: "task-start", step: "nodes", node });
        } else if (phase === "ready") {
          ctx.emit({ type: "task-end", step: "nodes", node, status: "ok", durationMs: Date.now() - (started.get(node) ?? Date.now()) });
        }
      },
    });
  },
};
