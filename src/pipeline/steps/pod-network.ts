/**
 * Step: the pod network. Each kubelet node already has its CNI bridge configuration for its
 * slice of the pod network (written with the other files); here, once each node has registered,
 * its Node object is given that slice as its pod CIDR, and the step waits until every node is
 * Ready.
 */
import { shellLine } from "../../errors.js";
import { adminNode } from "../../plan/plan.js";
import { kubectl, kubectlArgv } from "../kubectl.js";
import { waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** Sets up pod networking and waits for Ready nodes. */
export const podNetwork: Step = {
  id: "pod-network",
  title: "Setting up the pod network",
  async run(ctx) {
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    await forEachNode(ctx, "pod-network", nodes, async (node) => {
      await waitFor(ctx, {
        step: "set up the pod network",
        node: adminNode(ctx.plan).name,
        what: `node ${node.name} to register`,
        argv: kubectlArgv(["get", "node", node.name, "-o", "name"]),
        units: ["kubelet"],
        unitsNode: node.name,
        timeoutMs: 60_000,
      });
      const cidr = node.podCidr!;
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
    });
  },
};
