/**
 * Known cause: a node without its pod CIDR. The controller manager allocates none here
 * (--allocate-node-cidrs=false): kubelab's pod-network step gives each Node the subnet its CNI
 * configuration hands out, and a Node registered again (deleted, renamed) comes back without it.
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import { podCidrPatch } from "../pipeline/steps/pod-network.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";

interface NodeList {
  items: { metadata: { name: string }; spec: { podCIDR?: string } }[];
}

/** A registered node whose pod CIDR is missing, or not the one its pods get addresses from. */
export const podCidr: KnownCause = {
  id: "pod-cidr",
  title: "no pod CIDR on a node",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async find(ctx) {
    const r = await tryKubectl(ctx, ["get", "nodes", "-o", "json"]);
    if (r.exitCode !== 0) return [];
    const items = (JSON.parse(r.stdout) as NodeList).items;
    return kubeletNodes(ctx.plan).flatMap((node) => {
      const item = items.find((i) => i.metadata.name === node.name);
      const has = item?.spec.podCIDR ?? "";
      if (!item || (node.podCidr ? has === node.podCidr : has !== "")) return [];
      const want = node.podCidr ?? "the subnet of its flannel lease";
      return [
        diagnosisOf(podCidr, {
          node: node.name,
          found: has === "" ? `node ${node.name} has no pod CIDR (spec.podCIDR is empty); its pods get addresses from ${want}` : `node ${node.name}'s pod CIDR is ${has}, but its pods get addresses from ${want}`,
          fix: `${has === "" ? "" : `a pod CIDR cannot be changed once set: kubectl delete node ${node.name}, restart kubelet on ${node.name}, then `}${shellLine(["kubectl", ...podCidrPatch(node.name, node.podCidr ?? "SUBNET")])} (the controller manager runs with --allocate-node-cidrs=false: kubelab's pod-network step sets each node's)`,
          ran: shellLine(["kubectl", "get", "node", node.name, "-o", "jsonpath={.spec.podCIDR}"]),
        }),
      ];
    });
  },
};
