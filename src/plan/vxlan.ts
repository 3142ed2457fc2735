/**
 * VXLAN addressing, as flannel's vxlan backend does it: each node's `flannel.1` device holds the
 * network address of the node's pod subnet (as a /32) and a MAC derived from the node's IP, so
 * every node can compute every other node's neighbour and forwarding entries from the plan alone.
 */
import type { PlannedNode } from "./plan.js";
import { networkAddress } from "./ipv4.js";

/** flannel's VXLAN network identifier and UDP port. */
export const VXLAN_ID = 1;
export const VXLAN_PORT = 8472;
/** The VXLAN device's name, as flannel names it. */
export const VXLAN_DEVICE = "flannel.1";
/** Pod MTU on a VXLAN overlay: the node's 1500 less VXLAN's 50 bytes. */
export const VXLAN_MTU = 1450;

/** The address of a node's VXLAN device: its pod subnet's network address. */
export function vtepAddress(node: PlannedNode): string {
  if (!node.podCidr) throw new Error(`bug: node ${node.name} has no pod subnet`);
  return networkAddress(node.podCidr);
}

/** A locally administered MAC made from the node's IPv4 address (02:00:a:b:c:d). */
export function vtepMac(node: PlannedNode): string {
  return ["02", "00", ...node.ip.split(".").map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}
