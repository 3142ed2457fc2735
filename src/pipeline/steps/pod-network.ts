/**
 * Step: the pod network. Each kubelet node already has its CNI bridge configuration for its
 * slice of the pod network (written with the other files); here, once each node has registered,
 * its Node object is given that slice as its pod CIDR, and the step waits until every node is
 * Ready.
 */
import { shellLine, UserError } from "../../errors.js";
import { networkAddress } from "../../plan/ipv4.js";
import { FLANNEL_SUBNET_ENV } from "../../render/flannel.js";
import type { LabContext } from "../lab-context.js";
import { adminNode } from "../../plan/plan.js";
import { kubectl, kubectlArgv } from "../kubectl.js";
import { run, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** The pod subnet flannel leased to a node (from FLANNEL_SUBNET, e.g. 10.244.3.1/24 -> 10.244.3.0/24). */
async function flannelSubnet(ctx: LabContext, node: string): Promise<string> {
  const env = await run(ctx, node, ["cat", FLANNEL_SUBNET_ENV], { what: "read flannel's lease" });
  const subnet = env.match(/^FLANNEL_SUBNET=(\S+)$/m)?.[1];
  if (!subnet) throw new UserError(`failed to read node ${node}'s pod subnet from ${FLANNEL_SUBNET_ENV}`, { hint: `it says:\n${env}` });
  return `${networkAddress(subnet)}/${subnet.split("/")[1]}`;
}

/** Sets up pod networking and waits for Ready nodes. */
export const podNetwork: Step = {
  id: "pod-network",
  title: "Setting up the pod network",
  async run(ctx) {
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    // A node that does not join is reported by the checks, with the others' results.
    const failed = await forEachNode(ctx, "pod-network", nodes, async (node) => {
      await waitFor(ctx, {
        step: "set up the pod network",
        node: adminNode(ctx.plan).name,
        what: `node ${node.name} to register`,
        argv: kubectlArgv(["get", "node", node.name, "-o", "name"]),
        units: ["kubelet"],
        unitsNode: node.name,
        timeoutMs: 60_000,
      });
      const cidr = node.podCidr ?? (await flannelSubnet(ctx, node.name));
      const current = await kubectl(ctx, ["get", "node", node.name, "-o", "jsonpath={.spec.podCIDR}"]);
      if (current.trim() !== cidr) {
        const patch = JSON.stringify({ spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        await kubectl(ctx, ["patch", "node", node.name, "--type=merge", `--patch=${patch}`]);
      }
      await waitFor(ctx, {
        step: "set up the pod network",
        node: adminNode(ctx.plan).name,
        what: `node ${node.name} to be Ready`,
        argv: [
          "sh",
          "-c",
          `${shellLine(kubectlArgv(["get", "node", node.name, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']))} | grep -qx True`,
        ],
        units: ["kubelet", "containerd"],
        unitsNode: node.name,
        timeoutMs: 90_000,
      });
    }, { tolerate: "some" });
    if (failed.length) {
      ctx.emit({ type: "log", level: "warn", step: "pod-network", message: `${failed.join(", ")} did not become Ready; the checks say why` });
    }
  },
};
