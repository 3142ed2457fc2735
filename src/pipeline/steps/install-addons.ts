/**
 * Step: the lab's addons. For CoreDNS, its image goes into every kubelet node from the host's
 * Docker engine (pulled there if it can be); when it can be neither found nor pulled the addon is
 * still installed, says so, and the dns check reports "not run" until `lab images load` brings it.
 */
import Docker from "dockerode";
import { corednsImage, corednsManifests } from "../../addons/coredns.js";
import { engineImage } from "../../images/host-images.js";
import { adminNode, kubeletNodes } from "../../plan/plan.js";
import { commandAction } from "../explanation.js";
import { kubectl, kubectlArgv } from "../kubectl.js";
import { loadImageArchive, nodeImageRefs } from "../node-images.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** Installs the addons. */
export const installAddons: Step = {
  id: "addons",
  title: "Installing addons",
  explain: (plan) => ({
    what: plan.addons.includes("coredns")
      ? `CoreDNS answers the cluster's DNS at ${plan.network.dnsIp} (the kube-dns Service kubelet points pods at): its image goes into each node from the host's Docker engine, then its Deployment, Service and RBAC are applied.`
      : "This lab installs no addons.",
    actions: plan.addons.includes("coredns")
      ? [
          ...kubeletNodes(plan).map((n) => ({ node: n.name, note: `load ${corednsImage(plan)} when the node does not have it` })),
          commandAction(adminNode(plan).name, kubectlArgv(["apply", "-f", "-"]), "apply CoreDNS's ServiceAccount, RBAC, ConfigMap, Deployment and kube-dns Service (read from stdin)"),
        ]
      : [],
    proof: plan.addons.includes("coredns")
      ? [commandAction(adminNode(plan).name, kubectlArgv(["get", "-n", "kube-system", "deployment/coredns", "service/kube-dns"]), "CoreDNS's Deployment and the kube-dns Service exist")]
      : [],
  }),
  async run(ctx) {
    if (!ctx.plan.addons.includes("coredns")) return;
    const image = corednsImage(ctx.plan);
    const nodes = kubeletNodes(ctx.plan);
    const missing = [];
    for (const node of nodes) if (!(await nodeImageRefs(ctx, node.name)).includes(image)) missing.push(node);
    if (missing.length) {
      const archive = await engineImage(new Docker(), image, true).catch(() => undefined);
      if (archive) {
        await forEachNode(ctx, "addons", missing, (node) => loadImageArchive(ctx, node.name, archive, image));
      } else {
        ctx.emit({
          type: "log",
          level: "warn",
          step: "addons",
          message: `the CoreDNS image ${image} is neither in the Docker engine nor pullable: CoreDNS will not start and the dns check will not run until you load it: lab images load ${ctx.plan.labName} ${image}`,
        });
      }
    }
    await kubectl(ctx, ["apply", "-f", "-"], corednsManifests(ctx.plan));
  },
};
