/**
 * The pod network on a node: a Linux bridge with host-local addresses from the node's pod subnet.
 * Masquerading is the node's (kubelab-network), so pods see each other's real addresses.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import { VXLAN_MTU } from "../plan/vxlan.js";

/** Renders the node's CNI network configuration list. */
export function cniConfig(plan: Plan, node: PlannedNode): string {
  if (!node.podCidr) throw new Error(`bug: node ${node.name} has no pod subnet`);
  const config = {
    cniVersion: "0.4.0",
    name: "kubelab",
    plugins: [
      {
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        ipMasq: false,
        ...(plan.network.overlay === "vxlan" ? { mtu: VXLAN_MTU } : {}),
        // A pod must reach a Service whose endpoint is itself.
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: node.podCidr }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
