/**
 * Step (static-pods labs): the images the control plane and kube-proxy run as static pods, pulled
 * from registry.k8s.io when the host's Docker engine can, built here from the lab's binaries when
 * it cannot, and kept as tarballs to load into the nodes.
 */
import Docker from "dockerode";
import { ensureComponentImages } from "../../images/component-images.js";
import { cacheHome } from "../../lab-paths.js";
import { need } from "../run-context.js";
import { hostAction } from "../explanation.js";
import type { Step } from "../step.js";

/** Ensures the static pods' images. */
export const prepareComponentImages: Step = {
  id: "component-images",
  title: "Preparing the control plane's images",
  explain: () => ({
    what:
      "With a static-pods control plane, kubelet runs kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy from container images. " +
      "kubelab pulls them from registry.k8s.io when it can, or builds each one from the lab's own binary, and keeps them as tarballs to load into the nodes.",
    actions: [hostAction("pull or build one image per component and save it as a tarball")],
  }),
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
