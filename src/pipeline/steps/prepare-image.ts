/**
 * Step: make sure the node image (or box) exists; the first `lab up` builds it.
 */
import { hostAction } from "../explanation.js";
import type { Step } from "../step.js";

/** Ensures the provider's node image. */
export const prepareImage: Step = {
  id: "node-image",
  title: "Preparing the node image",
  explain: (plan) => ({
    what:
      plan.provider === "docker"
        ? "The nodes are containers running systemd, made from one node image (Debian with containerd, the CNI tools, curl and dig); the first lab up builds it."
        : "The nodes are virtual machines made from one Vagrant box (the lab's own box, or kubelab's offline box built from Debian).",
    actions: [hostAction(plan.provider === "docker" ? "build the node image when the engine does not have it yet" : "add the lab's box to Vagrant when it is not there yet")],
  }),
  async run(ctx) {
    ctx.results.image = await ctx.provider.prepareImage(ctx.plan, (line) =>
      ctx.emit({ type: "progress", step: "node-image", message: line }),
    );
    ctx.emit({ type: "log", level: "info", step: "node-image", message: `node image ${ctx.results.image}` });
  },
};
