/**
 * Check (flannel): etcd holds one subnet lease per node under /coreos.com/network/subnets, each
 * with that node's address as its PublicIP.
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { renderFlag } from "../render/flags.js";
import { etcdctlFlags } from "../render/etcd.js";
import { FLANNEL_ETCD_PREFIX } from "../render/flannel.js";
import { exec } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** The leases etcd holds: subnet key -> PublicIP. */
export function parseLeases(etcdctlOutput: string): Map<string, string> {
  const lines = etcdctlOutput.trim().split("\n");
  const leases = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) {
    try {
      const value = JSON.parse(lines[i + 1]!) as { PublicIP?: string };
      if (value.PublicIP) leases.set(lines[i]!.split("/").pop()!, value.PublicIP);
    } catch {
      // a value that is not a lease
    }
  }
  return leases;
}

/** flannel's leases in etcd. */
export const flannelLeases: Check = {
  id: "flannel-leases",
  title: "etcd holds a flannel lease per node",
  appliesTo: (plan) => plan.network.overlay === "flannel" && kubeletNodes(plan).length > 0,
  async run(ctx) {
    const started = Date.now();
    const etcdNode = ctx.plan.etcd.members[0]!.name;
    const argv = ["etcdctl", ...etcdctlFlags(ctx.plan).map(renderFlag), "get", "--prefix", `${FLANNEL_ETCD_PREFIX}/subnets`];
    const r = await exec(ctx, etcdNode, argv);
    const leases = parseLeases(r.stdout);
    const byIp = new Set(leases.values());
    return kubeletNodes(ctx.plan).map((node) => {
      const lease = [...leases].find(([, ip]) => ip === node.ip)?.[0];
      return checkResult(flannelLeases, started, {
        node: node.name,
        status: lease ? "pass" : "fail",
        ran: shellLine(["etcdctl", "get", "--prefix", `${FLANNEL_ETCD_PREFIX}/subnets`]),
        saw: lease ? `${lease} -> PublicIP ${node.ip}` : `${leases.size} leases, none for ${node.ip}`,
        ...(lease ? {} : { reason: `no lease with PublicIP ${node.ip} (leases for: ${[...byIp].join(", ") || "none"})`, hint: `lab logs ${ctx.plan.labName} ${node.name} flanneld` }),
      });
    });
  },
};
