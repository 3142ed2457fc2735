/**
 * Step: a lab whose nodes booted again (`lab start`, a restarted Docker engine, `lab up` of a lab
 * that went green before) starts its own units; this waits until it is back: every etcd member
 * healthy, every API server ready with its controller manager and scheduler, every kubelet
 * answering its health check (and, with flannel, every node's lease renewed). Nothing is started
 * or rewritten.
 */
import { FLANNEL_SUBNET_ENV } from "../../render/flannel.js";
import type { LabContext } from "../lab-context.js";
import { waitFor } from "../node-commands.js";
import { allSettledOrThrow, forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";
import { waitForControlPlane } from "./start-control-plane.js";
import { waitForEtcdMember } from "./start-etcd.js";

const STEP = "bring the cluster back";

/** Waits for the kubelet on `node` to be healthy (and, with flannel, for flanneld's lease). */
async function waitForKubelet(ctx: LabContext, node: string, flannel: boolean): Promise<void> {
  await waitFor(ctx, {
    step: STEP,
    node,
    what: "kubelet to be healthy",
    argv: ["curl", "-fsS", "--max-time", "2", "http://127.0.0.1:10248/healthz"],
    units: ["kubelet", "containerd"],
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  if (flannel) {
    await waitFor(ctx, {
      step: STEP,
      node,
      what: `flanneld's lease (${FLANNEL_SUBNET_ENV})`,
      argv: ["test", "-s", FLANNEL_SUBNET_ENV],
      units: ["flanneld"],
      timeoutMs: 60_000,
    });
  }
}

/** Waits for the cluster that came back with its nodes. */
export const waitForCluster: Step = {
  id: "cluster",
  title: "Waiting for the cluster to come back",
  async run(ctx) {
    const { plan } = ctx;
    await forEachNode(ctx, "cluster", plan.nodes, async (node) => {
      if (node.etcd) await waitForEtcdMember(ctx, node, STEP);
      // The control plane and the kubelet come back independently: wait for both at once.
      await allSettledOrThrow([
        node.controlPlane ? waitForControlPlane(ctx, node, STEP) : Promise.resolve(),
        node.kubelet ? waitForKubelet(ctx, node.name, plan.network.overlay === "flannel") : Promise.resolve(),
      ]);
    });
  },
};
