/**
 * Step: a lab whose nodes booted again (`lab start`, a restarted Docker engine, `lab up` of a lab
 * that went green before) starts its own units; this waits until it is back: every etcd member
 * healthy, every API server ready with its controller manager and scheduler, every kubelet
 * answering its health check and its Node Ready by its own report (and, with flannel, every
 * node's lease renewed). Nothing is started or rewritten.
 */
import { adminNode } from "../../plan/plan.js";
import { FLANNEL_SUBNET_ENV } from "../../render/flannel.js";
import { kubectlArgv } from "../kubectl.js";
import type { LabContext } from "../lab-context.js";
import { run, waitFor, waitRoundSeconds } from "../node-commands.js";
import { allSettledOrThrow, forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";
import { waitAction } from "../explanation.js";
import { readyWatchArgv } from "./pod-network.js";
import { controlPlaneWaits, waitForControlPlane } from "./start-control-plane.js";
import { ETCD_TIMEOUT_MS, etcdHealthArgv, waitForEtcdMember } from "./start-etcd.js";

const STEP = "bring the cluster back";

const KUBELET_HEALTH = ["curl", "-fsS", "--max-time", "2", "http://127.0.0.1:10248/healthz"];
const KUBELET_TIMEOUT_MS = 60_000;

/** When the running kubelet started, in seconds since the epoch by the node's clock. */
const KUBELET_STARTED = ["sh", "-c", 'date -d "$(systemctl show -p ExecMainStartTimestamp --value kubelet)" +%s'];

/**
 * Waits for the kubelet on `node` to be healthy and its Node Ready by its own report, posted since
 * it started (and, with `flannel`, for flanneld's lease).
 */
export async function waitForKubelet(ctx: LabContext, node: string, step: string, flannel = false): Promise<void> {
  await waitFor(ctx, {
    step,
    node,
    what: "kubelet to be healthy",
    argv: KUBELET_HEALTH,
    units: ["kubelet", "containerd"],
    timeoutMs: KUBELET_TIMEOUT_MS,
    intervalMs: 200,
  });
  const since = Number((await run(ctx, node, KUBELET_STARTED, { what: "read when kubelet started" })).trim());
  await waitFor(ctx, {
    step,
    node: adminNode(ctx.plan).name,
    what: `node ${node} to be Ready by its kubelet's own report`,
    argv: readyWatchArgv(node, waitRoundSeconds(ctx), since),
    shown: kubectlArgv(["get", "node", node]),
    units: ["kubelet"],
    unitsNode: node,
    timeoutMs: KUBELET_TIMEOUT_MS,
    intervalMs: 250,
  });
  if (flannel) {
    await waitFor(ctx, {
      step,
      node,
      what: `flanneld's lease (${FLANNEL_SUBNET_ENV})`,
      argv: ["test", "-s", FLANNEL_SUBNET_ENV],
      units: ["flanneld"],
      timeoutMs: KUBELET_TIMEOUT_MS,
    });
  }
}

/** Waits for the cluster that came back with its nodes. */
export const waitForCluster: Step = {
  id: "cluster",
  title: "Waiting for the cluster to come back",
  explain: (plan) => ({
    what: "A lab whose nodes booted again starts its own units (they are enabled); this waits until it is back. Nothing is started or rewritten.",
    actions: plan.nodes.flatMap((node) => [
      ...(node.etcd ? [waitAction(node.name, etcdHealthArgv(plan, node), ETCD_TIMEOUT_MS, "until the etcd member is healthy")] : []),
      ...(node.controlPlane ? controlPlaneWaits(plan, node) : []),
      ...(node.kubelet
        ? [
            waitAction(node.name, KUBELET_HEALTH, KUBELET_TIMEOUT_MS, "until kubelet is healthy"),
            waitAction(adminNode(plan).name, kubectlArgv(["get", "node", node.name]), KUBELET_TIMEOUT_MS, "until the node is Ready by a status its kubelet posted since it started"),
          ]
        : []),
      ...(node.kubelet && plan.network.overlay === "flannel" ? [waitAction(node.name, ["test", "-s", FLANNEL_SUBNET_ENV], KUBELET_TIMEOUT_MS, "until flanneld has its lease")] : []),
    ]),
  }),
  async run(ctx) {
    const { plan } = ctx;
    await forEachNode(ctx, "cluster", plan.nodes, async (node) => {
      if (node.etcd) await waitForEtcdMember(ctx, node, STEP);
      // The control plane and the kubelet come back independently: wait for both at once.
      await allSettledOrThrow([
        node.controlPlane ? waitForControlPlane(ctx, node, STEP) : Promise.resolve(),
        node.kubelet ? waitForKubelet(ctx, node.name, STEP, plan.network.overlay === "flannel") : Promise.resolve(),
      ]);
    });
  },
};
