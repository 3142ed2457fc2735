/**
 * Step: the lab's network and nodes, booted to systemd. Binaries are shared read-only from the
 * host, not copied.
 */
import { artifactShares } from "../../artifacts/resolve-artifacts.js";
import { need } from "../run-context.js";
import type { Step } from "../step.js";

/** Creates and boots every node. */
export const createNodes: Step = {
  id: "nodes",
  title: "Creating nodes",
  async run(ctx) {
    const started = new Map<string, number>();
    await ctx.provider.createNodes(ctx.plan, {
      image: need(ctx, "image"),
      shares: artifactShares(need(ctx, "artifacts")),
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
