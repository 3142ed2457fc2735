/**
 * Step: the overlay between nodes. With routes or vxlan, each kubelet node runs its network unit
 * (the pod bridge, masquerading, and a route, or VXLAN neighbour, forwarding entry and route, per
 * other node). With flannel, the network configuration is written to etcd with etcdctl, as the
 * guide does, and each node's flanneld leases a subnet and writes /run/flannel/subnet.env, from
 * which the node's CNI configuration is made.
 */
import { shellLine } from "../../errors.js";
import { FLANNEL_SUBNET_ENV, flannelConfigCommand } from "../../render/flannel.js";
import { run, startUnits, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** Sets up the overlay. */
export const setUpOverlay: Step = {
  id: "overlay",
  title: "Setting up the overlay network",
  async run(ctx) {
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    if (ctx.plan.network.overlay !== "flannel") {
      await forEachNode(ctx, "overlay", nodes, async (node) => {
        await run(ctx, node.name, ["systemctl", "start", "kubelab-network"], { what: "set up the node's pod network" });
      });
      return;
    }
    const etcdNode = ctx.plan.etcd.members[0]!.name;
    const put = flannelConfigCommand(ctx.plan);
    ctx.emit({ type: "log", level: "info", step: "overlay", message: `on ${etcdNode}: ${shellLine(put)}` });
    await run(ctx, etcdNode, put, { what: "write flannel's network configuration to etcd" });
    await forEachNode(ctx, "overlay", nodes, async (node) => {
      await startUnits(ctx, node.name, ["flanneld", "kubelab-flannel-cni"]);
      await waitFor(ctx, {
        step: "set up the overlay network",
        node: node.name,
        what: `flanneld's lease (${FLANNEL_SUBNET_ENV})`,
        argv: ["test", "-s", FLANNEL_SUBNET_ENV],
        units: ["flanneld"],
        timeoutMs: 60_000,
      });
    });
  },
};
