/**
 * Check: on each kubelet node, `ip -4 addr` shows the pod bridge (cni0), and with vxlan or flannel
 * the VXLAN device (flannel.1), holding addresses of the node's own pod subnet inside the pod
 * network.
 */
import { contains } from "../plan/ipv4.js";
import { kubeletNodes } from "../plan/plan.js";
import { VXLAN_DEVICE } from "../plan/vxlan.js";
import { FLANNEL_SUBNET_ENV } from "../render/flannel.js";
import { POD_BRIDGE } from "../render/node-network.js";
import { exec } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** The IPv4 address (without prefix) of each interface, from `ip -4 -o addr show`. */
export function interfaceAddresses(ipOutput: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of ipOutput.split("\n")) {
    const m = line.match(/^\d+:\s+(\S+)\s+inet\s+([\d.]+)\/\d+/);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The overlay's interfaces on each node. */
export const overlayInterfaces: Check = {
  id: "overlay-interfaces",
  title: "the pod bridge and flannel.1 are in the node's pod subnet",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async run(ctx) {
    const { plan } = ctx;
    const devices = plan.network.overlay === "routes" ? [POD_BRIDGE] : [POD_BRIDGE, VXLAN_DEVICE];
    return Promise.all(
      kubeletNodes(plan).map(async (node) => {
        const started = Date.now();
        const r = await exec(ctx, node.name, ["ip", "-4", "-o", "addr", "show"]);
        let subnet = node.podCidr;
        if (!subnet) {
          const env = await exec(ctx, node.name, ["cat", FLANNEL_SUBNET_ENV]);
          subnet = env.stdout.match(/^FLANNEL_SUBNET=(\S+)$/m)?.[1];
        }
        const addresses = interfaceAddresses(r.stdout);
        const seen = devices.map((d) => `${d} ${addresses.get(d) ?? "missing"}`).join(", ");
        const bad = devices.filter((d) => {
          const a = addresses.get(d);
          return !a || !subnet || !contains(subnet, a) || !contains(plan.network.podCidr, a);
        });
        return checkResult(overlayInterfaces, started, {
          node: node.name,
          status: bad.length === 0 ? "pass" : "fail",
          ran: "ip -4 -o addr show",
          saw: `${seen} (node subnet ${subnet ?? "unknown"})`,
          ...(bad.length
            ? { reason: `${bad.join(" and ")} not in ${subnet ?? "the node's subnet"} of ${plan.network.podCidr}`, hint: `lab logs ${plan.labName} ${node.name} ${plan.network.overlay === "flannel" ? "flanneld" : "kubelab-network"}` }
            : {}),
        });
      }),
    );
  },
};
