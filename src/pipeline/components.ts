/**
 * Stopping and starting a control plane component (or kube-proxy) on a node, whichever way it runs, as a failure
 * would: at once. A systemd unit's stop is queued and its process killed (an explicit stop is not
 * restarted; a graceful API server would keep serving long-running requests for a minute); a
 * static pod's manifest leaves /etc/kubernetes/manifests and its container is killed. Starting
 * puts the unit or manifest back.
 */
import type { LabContext } from "./lab-context.js";
import { MANIFESTS_DIR, MANIFESTS_STAGING_DIR } from "../render/node-layout.js";
import { sh } from "./node-commands.js";

/** Components the drills stop. */
export type ControlPlaneComponent = "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kube-proxy" | "etcd";

function isStaticPod(ctx: LabContext, component: ControlPlaneComponent): boolean {
  return ctx.plan.controlPlaneMode === "static-pods" && component !== "etcd";
}

/** Stops a component on a node. */
export async function stopComponent(ctx: LabContext, node: string, component: ControlPlaneComponent): Promise<void> {
  await sh(
    ctx,
    node,
    isStaticPod(ctx, component)
      ? [
          `rm -f ${MANIFESTS_DIR}/${component}.yaml`,
          `for id in $(ctr -n k8s.io containers ls -q 'labels."io.kubernetes.container.name"==${component}'); do ctr -n k8s.io tasks kill -s SIGKILL "$id" 2>/dev/null || true; done`,
        ].join("\n")
      : [
          `systemctl stop --no-block ${component}`,
          // It may be gone already; either way it must be down before this returns.
          `systemctl kill --signal=SIGKILL ${component} 2>/dev/null || true`,
          `for i in $(seq 100); do systemctl is-active --quiet ${component} || exit 0; sleep 0.1; done; exit 1`,
        ].join("\n"),
    `stop ${component}`,
  );
}

/** Starts a component on a node again. */
export async function startComponent(ctx: LabContext, node: string, component: ControlPlaneComponent): Promise<void> {
  await sh(
    ctx,
    node,
    isStaticPod(ctx, component)
      ? `cp ${MANIFESTS_STAGING_DIR}/${component}.yaml ${MANIFESTS_DIR}/.${component}.yaml && mv ${MANIFESTS_DIR}/.${component}.yaml ${MANIFESTS_DIR}/${component}.yaml`
      : `systemctl kill --signal=SIGKILL ${component} 2>/dev/null || true\nsystemctl start ${component}`,
    `start ${component}`,
  );
}
