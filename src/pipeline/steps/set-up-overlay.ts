/**
 * Step: the overlay between nodes. With routes or vxlan, each kubelet node runs its network unit
 * (the pod bridge, masquerading, and a route, or VXLAN neighbour, forwarding entry and route, per
 * other node). With flannel, the network configuration is written to etcd with etcdctl, as the
 * guide does, and each node's flanneld leases a subnet and writes /run/flannel/subnet.env, from
 * which the node's CNI configuration is made.
 */
import { shellLine } from "../../errors.js";
import { FLANNEL_SUBNET_ENV, flannelConfigCommand } from "../../render/flannel.js";
import { NETWORK_SCRIPT } from "../../render/node-layout.js";
import { commandAction, waitAction } from "../explanation.js";
import { run, startUnits, startUnitsArgv, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

/** How long flanneld may take to lease a subnet. */
const FLANNEL_TIMEOUT_MS = 60_000;

/** Sets up the overlay. */
export const setUpOverlay: Step = {
  id: "overlay",
  title: "Setting up the overlay network",
  explain: (plan) => {
    const nodes = plan.nodes.filter((n) => n.kubelet);
    if (plan.network.overlay !== "flannel") {
      return {
        what:
          plan.network.overlay === "vxlan"
            ? "Each node gets a VXLAN device (flannel.1) and, for every other node, a route to its pod subnet through it with the neighbour and forwarding entries that reach that node: pods talk across hosts with their own addresses."
            : "Each node gets a route to every other node's pod subnet through that node's address: pods talk across hosts with their own addresses.",
        actions: nodes.map((node) => commandAction(node.name, ["systemctl", "start", "kubelab-network"], `run the node's network script (${NETWORK_SCRIPT})`)),
        // Every node has a route to each other node's pod subnet.
        proof: nodes.flatMap((node) =>
          nodes
            .filter((other) => other !== node && other.podCidr)
            .map((other) => commandAction(node.name, ["sh", "-c", `ip route show ${other.podCidr} | grep -q .`], `${node.name} routes ${other.name}'s pods (${other.podCidr})`)),
        ),
      };
    }
    const etcdNode = plan.etcd.members[0]!.name;
    return {
      what:
        "flannel: the overlay's configuration lives in etcd at /coreos.com/network/config; each node's flanneld leases a pod subnet from it, " +
        "writes it to /run/flannel/subnet.env and sets up flannel.1; a one-shot unit then writes the node's CNI configuration from the lease.",
      actions: [
        commandAction(etcdNode, flannelConfigCommand(plan), "write flannel's network configuration to etcd"),
        ...nodes.flatMap((node) => [
          commandAction(node.name, startUnitsArgv(["flanneld", "kubelab-flannel-cni"]), "start flanneld and the unit that writes the CNI configuration from its lease"),
          waitAction(node.name, ["test", "-s", FLANNEL_SUBNET_ENV], FLANNEL_TIMEOUT_MS, "until flanneld has leased the node's subnet"),
        ]),
      ],
    };
  },
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
        timeoutMs: FLANNEL_TIMEOUT_MS,
      });
    });
  },
};
