/**
 * Stopping and starting a control plane component (or kube-proxy) on a node, whichever way it runs, as a failure
 * would: at once. A systemd unit's stop is queued and its process killed (an explicit stop is not
 * restarted; a graceful API server would keep serving long-running requests for a minute); a
 * static pod's manifest leaves /etc/kubernetes/manifests and its container is killed. Starting
 * puts the unit or manifest back; the manifest with an annotation of the time, which makes it a
 * new pod to kubelet, started at once: the pod it was before may owe a crash back-off, as its
 * container was killed (kubelet would wait that out, up to five minutes).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { LabContext } from "./lab-context.js";
import { MANIFESTS_DIR, MANIFESTS_STAGING_DIR } from "../render/node-layout.js";
import { run, sh, waitFor } from "./node-commands.js";

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

/** Restarts a node's API server (so that it reads its files again): as a unit, with systemctl; as a static pod, as a new pod. */
export async function restartApiServer(ctx: LabContext, node: string): Promise<void> {
  if (isStaticPod(ctx, "kube-apiserver")) await startComponent(ctx, node, "kube-apiserver");
  else await run(ctx, node, ["systemctl", "restart", "kube-apiserver"], { what: "restart kube-apiserver" });
}

/** Starts a component on a node again. */
export async function startComponent(ctx: LabContext, node: string, component: ControlPlaneComponent): Promise<void> {
  if (!isStaticPod(ctx, component)) {
    await sh(ctx, node, `systemctl kill --signal=SIGKILL ${component} 2>/dev/null || true\nsystemctl start ${component}`, `start ${component}`);
    return;
  }
  const manifest = parse(await readFile(join(ctx.paths.nodeDir(node), MANIFESTS_STAGING_DIR, `${component}.yaml`), "utf8")) as { metadata: { annotations?: Record<string, string> } };
  manifest.metadata.annotations = { ...manifest.metadata.annotations, "kubelab.io/started": new Date().toISOString() };
  const file = `${MANIFESTS_DIR}/${component}.yaml`;
  await run(ctx, node, ["sh", "-c", `cat > ${MANIFESTS_DIR}/.${component}.yaml && mv ${MANIFESTS_DIR}/.${component}.yaml ${file}`], {
    stdin: stringify(manifest),
    what: `start ${component}`,
  });
}

/** Starts (or restarts) kube-proxy on a node and waits until it is healthy. */
export async function startKubeProxy(ctx: LabContext, node: string): Promise<void> {
  await startComponent(ctx, node, "kube-proxy");
  await waitFor(ctx, {
    step: "start kube-proxy",
    node,
    what: "kube-proxy to be healthy",
    argv: ["curl", "-fsS", "--max-time", "2", "http://127.0.0.1:10256/healthz"],
    units: ctx.plan.controlPlaneMode === "static-pods" ? ["kubelet"] : ["kube-proxy"],
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}
