/**
 * A node's part of the pod network, as a script a oneshot unit runs at every boot (it is
 * idempotent): the pod bridge with the node's subnet, masquerading for traffic leaving the pod
 * network, and for every other node either a route to its pod subnet via its address (routes) or
 * a flannel-style VXLAN device with its neighbour, forwarding entry and route (vxlan). Also the
 * lab's names in /etc/hosts on every node.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import { VXLAN_DEVICE, VXLAN_ID, VXLAN_MTU, VXLAN_PORT, vtepAddress, vtepMac } from "../plan/vxlan.js";
import { addressAt } from "../plan/ipv4.js";

/** The pod bridge's name (the CNI bridge plugin's). */
export const POD_BRIDGE = "cni0";

/** The shell expression that finds the interface holding the node's address. */
function interfaceOf(ip: string): string {
  return `$(ip -o -4 addr show | awk -v ip=${ip} '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')`;
}

/** The node network script for routes and vxlan overlays. */
export function nodeNetworkScript(plan: Plan, node: PlannedNode): string {
  if (!node.podCidr) throw new Error(`bug: node ${node.name} has no pod subnet`);
  const pods = plan.network.podCidr;
  const others = plan.nodes.filter((n) => n.kubelet && n.name !== node.name);
  const lines = [
    "#!/bin/sh",
    `# kubelab: node ${node.name}'s part of the pod network (overlay: ${plan.network.overlay}).`,
    "# Idempotent: kubelab-network.service runs it at every boot.",
    "set -eu",
    "",
    `# The pod bridge, holding the gateway of this node's pod subnet ${node.podCidr}.`,
    `ip link show ${POD_BRIDGE} >/dev/null 2>&1 || ip link add ${POD_BRIDGE} type bridge`,
    `ip addr replace ${addressAt(node.podCidr, 1)}/${node.podCidr.split("/")[1]} dev ${POD_BRIDGE}`,
    `ip link set ${POD_BRIDGE} up`,
    "",
    "# Pods reach what is outside the pod network through this node's address.",
    `iptables -t nat -C POSTROUTING -s ${pods} ! -d ${pods} -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -s ${pods} ! -d ${pods} -j MASQUERADE`,
  ];
  if (plan.network.overlay === "vxlan") {
    lines.push(
      "",
      `# The VXLAN device, as flannel's vxlan backend makes it: VNI ${VXLAN_ID}, UDP ${VXLAN_PORT}, no learning.`,
      `dev=${interfaceOf(node.ip)}`,
      `ip link show ${VXLAN_DEVICE} >/dev/null 2>&1 || ip link add ${VXLAN_DEVICE} type vxlan id ${VXLAN_ID} local ${node.ip} dev "$dev" dstport ${VXLAN_PORT} nolearning`,
      `ip link set ${VXLAN_DEVICE} address ${vtepMac(node)} mtu ${VXLAN_MTU} up`,
      `ip addr replace ${vtepAddress(node)}/32 dev ${VXLAN_DEVICE}`,
    );
    for (const other of others) {
      lines.push(
        "",
        `# Node ${other.name} (${other.ip}): pods ${other.podCidr}.`,
        `ip neigh replace ${vtepAddress(other)} lladdr ${vtepMac(other)} dev ${VXLAN_DEVICE} nud permanent`,
        `bridge fdb replace ${vtepMac(other)} dev ${VXLAN_DEVICE} dst ${other.ip}`,
        `ip route replace ${other.podCidr} via ${vtepAddress(other)} dev ${VXLAN_DEVICE} onlink`,
      );
    }
  } else {
    for (const other of others) {
      lines.push("", `# Node ${other.name}: pods ${other.podCidr} are behind its address.`, `ip route replace ${other.podCidr} via ${other.ip}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The lab's hosts, one "ip name" line per node, marked so they can be replaced. */
export function hostsBlock(plan: Plan): string {
  return `${plan.nodes.map((n) => `${n.ip} ${n.name} # kubelab`).join("\n")}\n`;
}

/**
 * The script that puts the lab's names into /etc/hosts (which may be a bind mount: it is
 * rewritten in place, never replaced).
 */
export function hostsScript(blockPath: string): string {
  return [
    "#!/bin/sh",
    "# kubelab: every node of the lab by name, in /etc/hosts. Idempotent.",
    "set -eu",
    'kept=$(grep -v " # kubelab$" /etc/hosts || true)',
    `printf '%s\\n' "$kept" | cat - ${blockPath} > /etc/hosts`,
    "",
  ].join("\n");
}

/** A oneshot unit running a script at boot. */
export function oneshotUnit(description: string, script: string, options: { after?: string[]; before?: string[] } = {}): string {
  const after = options.after?.length ? [`After=${options.after.join(" ")}`, `Wants=${options.after.join(" ")}`] : [];
  const before = options.before?.length ? [`Before=${options.before.join(" ")}`] : [];
  return [
    "[Unit]",
    `Description=${description}`,
    ...after,
    ...before,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/bin/sh ${script}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
