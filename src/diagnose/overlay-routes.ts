/**
 * Known cause: a node missing its route, or (VXLAN) its forwarding entry, to another node's pod
 * subnet: pods on the two nodes cannot reach each other, everything else works. Looked for with
 * routes and vxlan overlays, whose entries follow from the plan; flanneld keeps its own.
 */
import { kubeletNodes, type PlannedNode } from "../plan/plan.js";
import { VXLAN_DEVICE, vtepMac } from "../plan/vxlan.js";
import { NETWORK_SCRIPT } from "../render/node-layout.js";
import { exec } from "../pipeline/node-commands.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";

/** Escapes `text` for a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What a node's routes and forwarding table lack to reach `other`'s pods (none: nothing). */
function missing(overlay: string, other: PlannedNode, routes: string, fdb: string): string[] {
  const cidr = other.podCidr!;
  const route = routes.split("\n").find((line) => line.startsWith(`${cidr} `));
  const gaps: string[] = [];
  if (overlay === "routes") {
    if (!route || !new RegExp(`\\bvia ${literal(other.ip)}\\b`).test(route)) gaps.push(route ? `its route to ${cidr} is "${route.trim()}", not via ${other.ip}` : `no route to ${cidr} (via ${other.ip})`);
    return gaps;
  }
  if (!route || !new RegExp(`\\bdev ${literal(VXLAN_DEVICE)}\\b`).test(route)) gaps.push(route ? `its route to ${cidr} is "${route.trim()}", not through ${VXLAN_DEVICE}` : `no route to ${cidr} through ${VXLAN_DEVICE}`);
  const mac = vtepMac(other);
  if (!new RegExp(`^${literal(mac)} .*\\bdst ${literal(other.ip)}\\b`, "m").test(fdb)) {
    gaps.push(`no forwarding entry for ${other.name}'s VTEP ${mac} (dst ${other.ip}) on ${VXLAN_DEVICE}`);
  }
  return gaps;
}

/** A missing route or FDB entry to another node's pod subnet. */
export const overlayRoutes: KnownCause = {
  id: "overlay-routes",
  title: "a missing route or FDB entry for a remote pod subnet",
  appliesTo: (plan) => plan.network.overlay !== "flannel" && kubeletNodes(plan).length > 1,
  async find(ctx) {
    const overlay = ctx.plan.network.overlay;
    const nodes = kubeletNodes(ctx.plan);
    const found = await Promise.all(
      nodes.map(async (node) => {
        const [routes, fdb] = await Promise.all([
          exec(ctx, node.name, ["ip", "-4", "route", "show"]),
          overlay === "vxlan" ? exec(ctx, node.name, ["bridge", "fdb", "show", "dev", VXLAN_DEVICE]) : Promise.resolve({ exitCode: 0, stdout: "", stderr: "" }),
        ]);
        if (routes.exitCode !== 0) return [];
        return nodes
          .filter((other) => other !== node && other.podCidr)
          .flatMap((other) => {
            const gaps = missing(overlay, other, routes.stdout, fdb.stdout);
            if (!gaps.length) return [];
            return [
              diagnosisOf(overlayRoutes, {
                node: node.name,
                found: `${node.name} cannot send to ${other.name}'s pods: ${gaps.join("; ")}`,
                fix: `${NETWORK_SCRIPT} on ${node.name} sets them up: systemctl restart kubelab-network (or run its lines for ${other.name} by hand)`,
                ran: overlay === "vxlan" ? `ip -4 route show; bridge fdb show dev ${VXLAN_DEVICE}` : "ip -4 route show",
              }),
            ];
          });
      }),
    );
    return found.flat();
  },
};
