/**
 * Step: on every kubelet node, start containerd, load the images the node carries (the pause
 * image, the checks' toolbox), and start kubelet and kube-proxy. It does not wait for the API
 * server: kubelet keeps trying to register until it answers (the pod network step waits for that).
 *
 * With a static-pods control plane, kubelet starts at once (its own start-up takes seconds) while
 * the static pods' images load; each manifest moves into /etc/kubernetes/manifests once its image
 * is in, so kubelet never looks for an image that is not there yet.
 */
import { readFile } from "node:fs/promises";
import type { PlannedNode } from "../../plan/plan.js";
import { MANIFESTS_DIR, MANIFESTS_STAGING_DIR, PRELOAD_IMAGES_DIR } from "../../render/node-layout.js";
import type { StaticPodComponent } from "../../render/static-pods.js";
import { sh, startUnits } from "../node-commands.js";
import { loadImageArchive } from "../node-images.js";
import { forEachNode } from "../run-pipeline.js";
import { need, type RunContext } from "../run-context.js";
import type { Step } from "../step.js";

/** The static pods a node runs. */
function staticPodsOf(node: PlannedNode): StaticPodComponent[] {
  return [...(node.controlPlane ? (["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const) : []), "kube-proxy"];
}

async function installStaticPods(ctx: RunContext, node: PlannedNode): Promise<void> {
  const images = need(ctx, "componentImages");
  // Each manifest goes in as soon as its image is loaded, the API server's first: kubelet starts it
  // while the other images load. Moved in via a dot-file (kubelet ignores hidden files), so none is
  // read half-written.
  for (const component of staticPodsOf(node)) {
    const ref = images.refs[component];
    ctx.emit({ type: "progress", step: "kubelet", node: node.name, message: `loading ${ref}` });
    await loadImageArchive(ctx, node.name, await readFile(images.archives[component]), ref);
    const file = `${component}.yaml`;
    await sh(
      ctx,
      node.name,
      `mkdir -p ${MANIFESTS_DIR} && cp ${MANIFESTS_STAGING_DIR}/${file} ${MANIFESTS_DIR}/.${file} && mv ${MANIFESTS_DIR}/.${file} ${MANIFESTS_DIR}/${file}`,
      `install the ${component} static pod`,
    );
  }
}

/** Starts each node's kubelet. */
export const startKubelet: Step = {
  id: "kubelet",
  title: "Starting containerd, kubelet and kube-proxy",
  async run(ctx) {
    const staticPods = ctx.plan.controlPlaneMode === "static-pods";
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    await forEachNode(ctx, "kubelet", nodes, async (node) => {
      await sh(
        ctx,
        node.name,
        [
          "systemctl start containerd",
          "for i in $(seq 50); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done",
          `for f in ${PRELOAD_IMAGES_DIR}/*.tar; do ctr -n k8s.io images import "$f" >/dev/null; done`,
        ].join("\n"),
        "start containerd and load the node's images",
      );
      await startUnits(ctx, node.name, staticPods ? ["kubelet"] : ["kubelet", "kube-proxy"]);
      if (staticPods) await installStaticPods(ctx, node);
    });
  },
};
