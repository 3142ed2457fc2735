/**
 * Step: on every kubelet node, start containerd, load the images the node carries (the pause
 * image, the checks' toolbox), and start kubelet and kube-proxy. It does not wait for the API
 * server: kubelet keeps trying to register until it answers (the pod network step waits for that).
 */
import { PRELOAD_IMAGES_DIR } from "../../render/node-layout.js";
import { sh, startUnits } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** Starts each node's kubelet. */
export const startKubelet: Step = {
  id: "kubelet",
  title: "Starting containerd, kubelet and kube-proxy",
  async run(ctx) {
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
      await startUnits(ctx, node.name, ["kubelet", "kube-proxy"]);
    });
  },
};
