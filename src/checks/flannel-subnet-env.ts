/**
 * Check (flannel): each node's /run/flannel/subnet.env names the lab's pod network and a lease
 * inside it.
 */
import { contains, networkAddress } from "../plan/ipv4.js";
import { kubeletNodes } from "../plan/plan.js";
import { FLANNEL_SUBNET_ENV } from "../render/flannel.js";
import { exec } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** flannel's subnet.env on each node. */
export const flannelSubnetEnv: Check = {
  id: "flannel-subnet-env",
  title: "flannel leased the node a subnet (subnet.env)",
  appliesTo: (plan) => plan.network.overlay === "flannel" && kubeletNodes(plan).length > 0,
  async run(ctx) {
    return Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const started = Date.now();
        const r = await exec(ctx, node.name, ["cat", FLANNEL_SUBNET_ENV]);
        const network = r.stdout.match(/^FLANNEL_NETWORK=(\S+)$/m)?.[1];
        const subnet = r.stdout.match(/^FLANNEL_SUBNET=(\S+)$/m)?.[1];
        const ok = r.exitCode === 0 && network === ctx.plan.network.podCidr && subnet !== undefined && contains(network, networkAddress(subnet));
        return checkResult(flannelSubnetEnv, started, {
          node: node.name,
          status: ok ? "pass" : "fail",
          ran: `cat ${FLANNEL_SUBNET_ENV}`,
          saw: r.exitCode === 0 ? `FLANNEL_NETWORK=${network ?? "?"} FLANNEL_SUBNET=${subnet ?? "?"}` : r.stderr.trim(),
          ...(ok ? {} : { reason: `expected a lease inside ${ctx.plan.network.podCidr}`, hint: `lab logs ${ctx.plan.labName} ${node.name} flanneld` }),
        });
      }),
    );
  },
};
