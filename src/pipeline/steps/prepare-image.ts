/**
 * Step: make sure the node image (or box) exists; the first `lab up` builds it.
 */
import type { Step } from "../step.js";

/** Ensures the provider's node image. */
export const prepareImage: Step = {
  id: "node-image",
  title: "Preparing the node image",
  async run(ctx) {
    ctx.results.image = await ctx.provider.prepareImage(ctx.plan, (line) =>
      ctx.emit({ type: "progress", step: "node-image", message: line }),
    );
    ctx.emit({ type: "log", level: "info", step: "node-image", message: `node image ${ctx.results.image}` });
  },
};
