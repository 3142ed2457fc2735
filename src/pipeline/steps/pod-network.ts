/**
 * Step: the pod network. Each kubelet node already has its CNI bridge configuration for its
 * slice of the pod network (written with the other files); here, once each node has registered,
 * its Node object is given that slice as its pod CIDR, and the step waits until every node is
 * Ready.
 */
import { shellLine, UserError } from "../../errors.js";
import { networkAddress } from "../../plan/ipv4.js";
import { FLANNEL_SUBNET_ENV } from "../../render/flannel.js";
import type { LabContext } from "../lab-context.js";
import { adminNode } from "../../plan/plan.js";
import { kubectl, kubectlArgv, watchArgv } from "../kubectl.js";
import { run, waitFor, waitRoundSeconds } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import { commandAction, waitAction } from "../explanation.js";
import type { Step } from "../step.js";

/** The pod subnet flannel leased to a node (from FLANNEL_SUBNET, e.g. 10.244.3.1/24 -> 10.244.3.0/24). */
async function flannelSubnet(ctx: LabContext, node: string): Promise<string> {
  const env = await run(ctx, node, ["cat", FLANNEL_SUBNET_ENV], { what: "read flannel's lease" });
  const subnet = env.match(/^FLANNEL_SUBNET=(\S+)$/m)?.[1];
  if (!subnet) throw new UserError(`failed to read node ${node}'s pod subnet from ${FLANNEL_SUBNET_ENV}`, { hint: `it says:\n${env}` });
  return `${networkAddress(subnet)}/${subnet.split("/")[1]}`;
}

const REGISTER_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 90_000;

/** Exits 0 once the node has registered. */
function registeredArgv(node: string): string[] {
  return kubectlArgv(["get", "node", node, "-o", "name"]);
}

/** jsonpath of a Node's Ready condition. */
const READY_CONDITION = '.status.conditions[?(@.type=="Ready")]';

/** Exits 0 once the node is Ready. */
export function readyArgv(node: string): string[] {
  return ["sh", "-c", `${shellLine(kubectlArgv(["get", "node", node, "-o", `jsonpath={${READY_CONDITION}.status}`]))} | grep -qx True`];
}

/** go-template of a Node's Ready condition: its status and when its kubelet last posted it. */
const READY_TEMPLATE = '{{range .status.conditions}}{{if eq .type "Ready"}}{{.status}} {{.lastHeartbeatTime}}{{end}}{{end}}';

/**
 * Watches the node for `seconds`; exits 0 once it is Ready (by a status its kubelet posted at
 * `since` or later, when given: seconds since the epoch, by the node's clock, which stamps the
 * status). Right after kubelet restarts, the Node still shows the Ready of the kubelet before,
 * and the new kubelet's first status may be NotReady ("PLEG is not healthy: pleg has yet to be
 * successful"), its next one coming 10 s later.
 */
export function readyWatchArgv(node: string, seconds: number, since?: number): string[] {
  const fresh = since === undefined ? "" : ` && [ "$(date -d "$2" +%s)" -ge ${since} ]`;
  return watchArgv(["node", node], READY_TEMPLATE, `set -- $line; [ "$1" = True ]${fresh}`, seconds);
}

/** kubectl's arguments giving a node its pod CIDR. */
export function podCidrPatch(node: string, cidr: string): string[] {
  return ["patch", "node", node, "--type=merge", `--patch=${JSON.stringify({ spec: { podCIDR: cidr, podCIDRs: [cidr] } })}`];
}

/** Sets up pod networking and waits for Ready nodes. */
export const podNetwork: Step = {
  id: "pod-network",
  title: "Setting up the pod network",
  explain: (plan) => {
    const admin = adminNode(plan).name;
    return {
      what:
        "Each node's pod subnet: its CNI configuration already hands out addresses from it; here its Node object gets it as its pod CIDR " +
        "(the controller manager does not allocate them), then every node must turn Ready.",
      actions: plan.nodes
        .filter((n) => n.kubelet)
        .flatMap((node) => [
          waitAction(admin, registeredArgv(node.name), REGISTER_TIMEOUT_MS, `until kubelet on ${node.name} has registered its node`),
          commandAction(
            admin,
            kubectlArgv(podCidrPatch(node.name, node.podCidr ?? `$(the subnet in ${node.name}'s ${FLANNEL_SUBNET_ENV})`)),
            `give ${node.name} its pod subnet (when it does not have it yet)`,
          ),
          waitAction(admin, readyArgv(node.name), READY_TIMEOUT_MS, `until ${node.name} is Ready`),
        ]),
      proof: plan.nodes
        .filter((n) => n.kubelet)
        .flatMap((node) => [
          ...(node.podCidr
            ? [
                commandAction(
                  admin,
                  ["sh", "-c", `${shellLine(kubectlArgv(["get", "node", node.name, "-o", "jsonpath={.spec.podCIDR}"]))} | grep -qx ${node.podCidr}`],
                  `${node.name}'s pod CIDR is ${node.podCidr}`,
                ),
              ]
            : []),
          commandAction(admin, readyArgv(node.name), `${node.name} is Ready`),
        ]),
    };
  },
  async run(ctx) {
    const nodes = ctx.plan.nodes.filter((n) => n.kubelet);
    // A node that does not join is reported by the checks, with the others' results.
    const failed = await forEachNode(ctx, "pod-network", nodes, async (node) => {
      await waitFor(ctx, {
        step: "set up the pod network",
        node: adminNode(ctx.plan).name,
        what: `node ${node.name} to register`,
        argv: registeredArgv(node.name),
        units: ["kubelet"],
        unitsNode: node.name,
        timeoutMs: REGISTER_TIMEOUT_MS,
      });
      const cidr = node.podCidr ?? (await flannelSubnet(ctx, node.name));
      const current = await kubectl(ctx, ["get", "node", node.name, "-o", "jsonpath={.spec.podCIDR}"]);
      if (current.trim() !== cidr) {
        await kubectl(ctx, podCidrPatch(node.name, cidr));
      }
      await waitFor(ctx, {
        step: "set up the pod network",
        node: adminNode(ctx.plan).name,
        what: `node ${node.name} to be Ready`,
        argv: readyWatchArgv(node.name, waitRoundSeconds(ctx)),
        shown: readyArgv(node.name),
        units: ["kubelet", "containerd"],
        unitsNode: node.name,
        timeoutMs: READY_TIMEOUT_MS,
      });
    }, { tolerate: "some" });
    if (failed.length) {
      ctx.emit({ type: "log", level: "warn", step: "pod-network", message: `${failed.join(", ")} did not become Ready; the checks say why` });
    }
  },
};
