/**
 * Step (static-pods labs): the images the control plane and kube-proxy run as static pods, pulled
 * from registry.k8s.io when the host's Docker engine can, built here from the lab's binaries when
 * it cannot, and kept as tarballs to load into the nodes.
 */
import Docker from "dockerode";
import { ensureComponentImages } from "../../images/component-images.js";
import { cacheHome } from "../../lab-paths.js";
import { need } from "../run-context.js";
import type { Step } from "../step.js";

/** Ensures the static pods' images. */
export const prepareComponentImages: Step = {
  id: "component-images",
  title: "Preparing the control plane's images",
  async run(ctx) {
    const set = await ensureComponentImages({
      docker: new Docker(),
      plan: ctx.plan,
      artifacts: need(ctx, "artifacts"),
      cacheDir: cacheHome(),
      onProgress: (message) => ctx.emit({ type: "progress", step: "component-images", message }),
    });
    ctx.results.componentImages = set;
    for (const [component, ref] of Object.entries(set.refs)) {
      const origin = set.origins[component as keyof typeof set.origins] === "upstream" ? "pulled" : "built from the lab's binary";
      ctx.emit({ type: "log", level: "info", step: "component-images", message: `${component}: ${ref} (${origin})` });
    }
  },
};
