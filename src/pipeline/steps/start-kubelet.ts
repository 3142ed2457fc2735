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
import type { Plan, PlannedNode } from "../../plan/plan.js";
import { MANIFESTS_DIR, MANIFESTS_STAGING_DIR, PRELOAD_IMAGES_DIR } from "../../render/node-layout.js";
import type { StaticPodComponent } from "../../render/static-pods.js";
import { commandAction } from "../explanation.js";
import { sh, startUnits, startUnitsArgv } from "../node-commands.js";
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
    await sh(ctx, node.name, installManifestScript(component), `install the ${component} static pod`);
  }
}

/** Moves a staged manifest into kubelet's folder via a dot-file, so that kubelet never reads half of it. */
function installManifestScript(component: StaticPodComponent): string {
  const file = `${component}.yaml`;
  return `mkdir -p ${MANIFESTS_DIR} && cp ${MANIFESTS_STAGING_DIR}/${file} ${MANIFESTS_DIR}/.${file} && mv ${MANIFESTS_DIR}/.${file} ${MANIFESTS_DIR}/${file}`;
}

/** containerd started and answering, then the images the node carries loaded into it. */
const CONTAINERD_SCRIPT = [
  "systemctl start containerd",
  "for i in $(seq 50); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done",
  `for f in ${PRELOAD_IMAGES_DIR}/*.tar; do ctr -n k8s.io images import "$f" >/dev/null; done`,
].join("\n");

/** The units the kubelet step starts. */
function kubeletUnits(plan: Plan): string[] {
  return plan.controlPlaneMode === "static-pods" ? ["kubelet"] : ["kubelet", "kube-proxy"];
}

/** Starts each node's kubelet. */
export const startKubelet: Step = {
  id: "kubelet",
  title: "Starting containerd, kubelet and kube-proxy",
  explain: (plan) => ({
    what:
      "containerd runs the containers; kubelet runs the node's pods through it and registers the node with the API server (it keeps trying until the API " +
      "server answers); kube-proxy turns Services into iptables rules. " +
      (plan.controlPlaneMode === "static-pods"
        ? "kube-proxy and, on control plane nodes, the control plane run as static pods: kubelet starts them from the manifests in /etc/kubernetes/manifests, each moved there once its image is loaded."
        : "kube-proxy runs as a systemd unit.") +
      (plan.security.kubeletBootstrap === "token"
        ? " kubelet joins with the lab's bootstrap token: it asks the API server for a client certificate, the controller manager approves and signs it, and kubelet keeps it in /var/lib/kubelet/pki and renews it before it expires."
        : ""),
    actions: plan.nodes
      .filter((n) => n.kubelet)
      .flatMap((node) => [
        commandAction(node.name, ["sh", "-ec", CONTAINERD_SCRIPT], "start containerd and load the images the node carries (pause, the checks' toolbox)"),
        commandAction(node.name, startUnitsArgv(kubeletUnits(plan)), `start ${kubeletUnits(plan).join(" and ")}`),
        ...(plan.controlPlaneMode === "static-pods"
          ? staticPodsOf(node).map((c) => commandAction(node.name, ["sh", "-ec", installManifestScript(c)], `load the ${c} image, then hand its manifest to kubelet`))
          : []),
      ]),
    proof: plan.nodes
      .filter((n) => n.kubelet)
      .flatMap((node) => [
        commandAction(node.name, ["systemctl", "is-active", "containerd", ...kubeletUnits(plan)], `containerd and ${kubeletUnits(plan).join(" and ")} run`),
        ...(plan.controlPlaneMode === "static-pods"
          ? [commandAction(node.name, ["ls", ...staticPodsOf(node).map((c) => `${MANIFESTS_DIR}/${c}.yaml`)], "kubelet has the static pods' manifests")]
          : []),
      ]),
  }),
  async run(ctx) {
    const staticPods = ctx.plan.controlPlaneMode === "static-pods";
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    await forEachNode(ctx, "kubelet", nodes, async (node) => {
      await sh(ctx, node.name, CONTAINERD_SCRIPT, "start containerd and load the node's images");
      await startUnits(ctx, node.name, kubeletUnits(ctx.plan));
      if (staticPods) await installStaticPods(ctx, node);
    });
  },
};
