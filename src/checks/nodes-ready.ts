/**
 * Check: every kubelet node is registered and Ready, with its pod CIDR (a node registered again
 * comes back without it, and Ready says nothing of that).
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import { journal, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

interface NodeList {
  items: {
    metadata: { name: string };
    spec: { podCIDR?: string };
    status: {
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
      nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string };
    };
  }[];
}

/** Each node Ready. */
export const nodesReady: Check = {
  id: "nodes-ready",
  title: "node is Ready",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async run(ctx) {
    const started = Date.now();
    const ran = shellLine(["kubectl", "get", "nodes"]);
    const r = await tryKubectl(ctx, ["get", "nodes", "-o", "json"]);
    const list: NodeList = r.exitCode === 0 ? (JSON.parse(r.stdout) as NodeList) : { items: [] };
    return Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const item = list.items.find((i) => i.metadata.name === node.name);
        const ready = item?.status.conditions?.find((c) => c.type === "Ready");
        const cidr = item?.spec.podCIDR ?? "";
        const cidrOk = node.podCidr ? cidr === node.podCidr : cidr !== "";
        if (item && ready?.status === "True" && !cidrOk) {
          return checkResult(nodesReady, started, {
            node: node.name,
            status: "fail",
            ran,
            saw: `Ready, but its pod CIDR is ${cidr === "" ? "missing" : `${cidr}, not ${node.podCidr}`}`,
            reason: "the node's pod CIDR is not the subnet its pods get addresses from",
            hint: `kubectl get node ${node.name} -o jsonpath={.spec.podCIDR}`,
          });
        }
        if (item && ready?.status === "True") {
          const info = item.status.nodeInfo;
          return checkResult(nodesReady, started, {
            node: node.name,
            status: "pass",
            ran,
            saw: `Ready (kubelet ${info?.kubeletVersion ?? "?"}, ${info?.containerRuntimeVersion ?? "?"})`,
          });
        }
        const kubelet = await journal(ctx, node.name, "kubelet", 5);
        return checkResult(nodesReady, started, {
          node: node.name,
          status: "fail",
          ran,
          saw: item ? `Ready=${ready?.status ?? "Unknown"}: ${ready?.message ?? ""}` : r.exitCode === 0 ? "not registered" : lastLines(r.stderr, 2),
          reason: `kubelet's last lines:\n${kubelet.lines.join("\n")}`,
          hint: `lab logs ${ctx.plan.labName} ${node.name} kubelet`,
        });
      }),
    );
  },
};
