/**
 * Drills that give a kubelet a wrong setting, as a hand-built node gets one: a client certificate
 * for another node's name, a cluster DNS address outside the service range, and a Node registered
 * again without its pod CIDR. Heal puts the lab's own files back (or the pod CIDR) and restarts
 * kubelet.
 */
import { parse, stringify } from "yaml";
import { shellLine } from "../errors.js";
import { kubeletCertName } from "../pki/certificate-specs.js";
import { addressAfter } from "../plan/ipv4.js";
import { adminNode, kubeletNodes, type PlannedNode } from "../plan/plan.js";
import { kubectl, kubectlArgv } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { run, waitFor } from "../pipeline/node-commands.js";
import { podCidrPatch, readyArgv } from "../pipeline/steps/pod-network.js";
import { kubeletFlags } from "../render/kubelet.js";
import { KUBELET_CONFIG } from "../render/node-layout.js";
import { last, type Fault } from "./fault.js";
import { labCopy, putNodeFile, reissuedCertificate, restoreNodeFile } from "./lab-files.js";

/** Restarts kubelet on `node` and waits until the API server reaches it again (its port 10250 serves). */
async function restartKubelet(ctx: LabContext, node: PlannedNode): Promise<void> {
  await run(ctx, node.name, ["systemctl", "restart", "kubelet"], { what: "restart kubelet" });
  await waitFor(ctx, {
    step: "restart kubelet",
    node: adminNode(ctx.plan).name,
    what: `the API server to reach kubelet on ${node.name}`,
    argv: kubectlArgv(["get", "--raw", `/api/v1/nodes/${node.name}/proxy/healthz`]),
    units: ["kubelet"],
    unitsNode: node.name,
    timeoutMs: 60_000,
    intervalMs: 250,
  });
}

/** The kubeconfig kubelet authenticates with, when the lab writes it with its certificate inside (not TLS bootstrapping). */
function kubeletKubeconfig(node: PlannedNode, flags: ReturnType<typeof kubeletFlags>): string | undefined {
  if (!node.kubelet || flags.some(([flag]) => flag === "bootstrap-kubeconfig")) return undefined;
  const path = flags.find(([flag]) => flag === "kubeconfig")?.[1];
  return typeof path === "string" ? path : undefined;
}

/** kubelet given a client certificate whose CN names another node. */
export const kubeletCn: Fault = {
  id: "kubelet-cn",
  title: "give a kubelet a client certificate for another node's name",
  expect: "the Node authorizer refuses the kubelet's updates to its own node: new pods there stay pending, and the node turns NotReady after its grace period",
  notApplicable: (plan, node) =>
    !node.kubelet ? `${node.name} runs no kubelet` : kubeletKubeconfig(node, kubeletFlags(plan, node)) ? undefined : `kubelet on ${node.name} gets its certificate by TLS bootstrapping`,
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    const path = kubeletKubeconfig(node, kubeletFlags(ctx.plan, node))!;
    const certPem = await reissuedCertificate(ctx, kubeletCertName(node.name), (spec) => ({ ...spec, commonName: `system:node:not-${node.name}` }));
    const { content, mode } = await labCopy(ctx, node.name, path);
    const kubeconfig = parse(content) as { users: { user: Record<string, string> }[] };
    kubeconfig.users[0]!.user["client-certificate-data"] = Buffer.from(certPem).toString("base64");
    await putNodeFile(ctx, node.name, path, stringify(kubeconfig), mode);
    await restartKubelet(ctx, node);
  },
  async heal(ctx, node) {
    await restoreNodeFile(ctx, node.name, kubeletKubeconfig(node, kubeletFlags(ctx.plan, node))!);
    await restartKubelet(ctx, node);
  },
};

/** An address outside the service range: 10 past its end. */
export function outsideServiceRange(serviceCidr: string): string {
  return addressAfter(serviceCidr, 10);
}

/** kubelet told the cluster DNS is at an address outside the service range. */
export const dnsIp: Fault = {
  id: "dns-ip",
  title: "give a kubelet a cluster DNS address outside the service range",
  expect: "name lookups in new pods on that node time out (dns); the diagnosis names clusterDNS in kubelet's config",
  notApplicable: (_plan, node) => (node.kubelet ? undefined : `${node.name} runs no kubelet`),
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    const { content, mode } = await labCopy(ctx, node.name, KUBELET_CONFIG);
    const config = parse(content) as Record<string, unknown>;
    config.clusterDNS = [outsideServiceRange(ctx.plan.network.serviceCidr)];
    await putNodeFile(ctx, node.name, KUBELET_CONFIG, stringify(config), mode);
    await restartKubelet(ctx, node);
  },
  async heal(ctx, node) {
    await restoreNodeFile(ctx, node.name, KUBELET_CONFIG);
    await restartKubelet(ctx, node);
  },
};

/** The node's Node object deleted and registered again by kubelet, without the pod CIDR kubelab gave it. */
export const noPodCidr: Fault = {
  id: "no-pod-cidr",
  title: "register a node again without its pod CIDR",
  expect: "nodes-ready fails for that node: Ready, but without its pod CIDR",
  notApplicable: (_plan, node) => (!node.kubelet ? `${node.name} runs no kubelet` : node.podCidr ? undefined : `${node.name}'s pod subnet comes from flannel`),
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    await kubectl(ctx, ["delete", "node", node.name, "--wait=true"]);
    // Registered again (the API server reaches kubelet through its Node) and Ready: without its pod CIDR only.
    await restartKubelet(ctx, node);
    await waitFor(ctx, {
      step: "drill no-pod-cidr",
      node: adminNode(ctx.plan).name,
      what: `node ${node.name} to be Ready again`,
      argv: readyArgv(node.name),
      units: ["kubelet"],
      unitsNode: node.name,
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  },
  async heal(ctx, node) {
    ctx.emit({ type: "log", level: "info", message: `on ${adminNode(ctx.plan).name}: ${shellLine(["kubectl", ...podCidrPatch(node.name, node.podCidr!)])}` });
    await kubectl(ctx, podCidrPatch(node.name, node.podCidr!));
  },
};
