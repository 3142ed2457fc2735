/**
 * Step: the control plane on each control plane node. As systemd units, kube-apiserver,
 * kube-controller-manager and kube-scheduler are started here; as static pods, kubelet already
 * runs them. Either way the step waits until the API server is ready and the other two answer
 * their health checks, and on a timeout shows the unit's journal or the static pod's state and log.
 */
import { atLeast } from "../../plan/kube-version.js";
import type { Plan, PlannedNode } from "../../plan/plan.js";
import { commandAction, waitAction, type ExplainedAction } from "../explanation.js";
import type { LabContext } from "../lab-context.js";
import { apiProbeTls } from "../../render/api-probe.js";
import { startUnits, startUnitsArgv, waitFor } from "../node-commands.js";
import { staticPodExcerpt } from "../static-pod-diagnosis.js";
import { allSettledOrThrow, forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

const COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

/**
 * Health endpoints of each control plane component, on the node itself. Until 1.22 the controller
 * manager and scheduler are asked on the insecure ports `kubectl get componentstatuses` probes,
 * which each serves just after its secure one.
 */
function healthChecks(plan: Plan): { component: string; url: string; what: string }[] {
  const insecure = !atLeast(plan.kubernetes, 1, 22);
  return [
    { component: "kube-apiserver", url: `https://127.0.0.1:${plan.api.port}/readyz`, what: "the API server to be ready" },
    { component: "kube-controller-manager", url: insecure ? "http://127.0.0.1:10252/healthz" : "https://127.0.0.1:10257/healthz", what: "the controller manager to be healthy" },
    { component: "kube-scheduler", url: insecure ? "http://127.0.0.1:10251/healthz" : "https://127.0.0.1:10259/healthz", what: "the scheduler to be healthy" },
  ];
}

/** A health check's command, on the component's own node. */
function healthArgv(plan: Plan, h: { component: string; url: string }): string[] {
  // The API server is checked against the lab's CA (with a client certificate where it refuses
  // anonymous requests); the others serve self-signed certificates.
  return ["curl", "-fsS", "--max-time", "2", ...(h.component === "kube-apiserver" ? apiProbeTls(plan) : h.url.startsWith("https:") ? ["--insecure"] : []), h.url];
}

/** How long the control plane may take: as static pods, kubelet starts them first. */
function controlPlaneTimeout(plan: Plan): number {
  return plan.controlPlaneMode === "static-pods" ? 90_000 : 60_000;
}

/** The waits for the control plane on `node`, explained. */
export function controlPlaneWaits(plan: Plan, node: PlannedNode): ExplainedAction[] {
  return healthChecks(plan).map((h) => waitAction(node.name, healthArgv(plan, h), controlPlaneTimeout(plan), `until ${h.what.replace(/^the /, "")}`));
}

/** Waits until the API server on `node` is ready and its controller manager and scheduler answer their health checks. */
export async function waitForControlPlane(ctx: LabContext, node: PlannedNode, step: string): Promise<void> {
  const staticPods = ctx.plan.controlPlaneMode === "static-pods";
  // The three come up independently (each serves its health endpoint before it can reach the API
  // server): wait for them at the same time.
  await allSettledOrThrow(
    healthChecks(ctx.plan).map((h) =>
      waitFor(ctx, {
        step,
        node: node.name,
        what: h.what,
        argv: healthArgv(ctx.plan, h),
        units: staticPods ? ["kubelet"] : [h.component],
        evidence: staticPods ? async () => [await staticPodExcerpt(ctx, node.name, h.component)] : undefined,
        timeoutMs: controlPlaneTimeout(ctx.plan),
        intervalMs: 200,
      }),
    ),
  );
}

/** Starts (or waits for) the control plane. */
export const startControlPlane: Step = {
  id: "control-plane",
  title: "Starting the control plane",
  explain: (plan) => ({
    what:
      "kube-apiserver serves the Kubernetes API, stores objects in etcd and authenticates clients by their certificates; kube-controller-manager runs the " +
      "control loops (and signs with the cluster CA); kube-scheduler places pods on nodes. " +
      (plan.controlPlaneMode === "static-pods"
        ? "Here they run as static pods that kubelet already started: this step waits for them."
        : "Here they run as systemd units.") +
      (plan.api.servers.length > 1 ? " With several control plane nodes, controller managers and schedulers elect a leader." : ""),
    actions: plan.api.servers.flatMap((node) => [
      ...(plan.controlPlaneMode === "static-pods" ? [] : [commandAction(node.name, startUnitsArgv(COMPONENTS), "start the three units")]),
      ...controlPlaneWaits(plan, node),
    ]),
  }),
  async run(ctx) {
    await forEachNode(ctx, "control-plane", ctx.plan.api.servers, async (node) => {
      if (ctx.plan.controlPlaneMode !== "static-pods") await startUnits(ctx, node.name, COMPONENTS);
      await waitForControlPlane(ctx, node, "start the control plane");
    });
  },
};
