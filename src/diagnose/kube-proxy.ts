/**
 * Known cause: kube-proxy not running on a node, or without its configuration. Its rules stay when
 * it stops, so old Services still work there; Services made since do not answer from that node.
 */
import { kubeletNodes } from "../plan/plan.js";
import { exec } from "../pipeline/node-commands.js";
import { KUBE_PROXY_CONFIG, MANIFESTS_DIR, MANIFESTS_STAGING_DIR, UNIT_DIR } from "../render/node-layout.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";

/** kube-proxy stopped, or its configuration missing. */
export const kubeProxyDown: KnownCause = {
  id: "kube-proxy",
  title: "kube-proxy not running or without its config",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async find(ctx) {
    const staticPod = ctx.plan.controlPlaneMode === "static-pods";
    const manifest = `${MANIFESTS_DIR}/kube-proxy.yaml`;
    const script = [
      "pgrep -x kube-proxy >/dev/null && echo running",
      `test -s ${KUBE_PROXY_CONFIG} && echo config`,
      ...(staticPod ? [`test -s ${manifest} && echo manifest`] : []),
      "true",
    ].join("; ");
    const found = await Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const r = await exec(ctx, node.name, ["sh", "-c", script]);
        if (r.exitCode !== 0) return [];
        const has = new Set(r.stdout.split("\n"));
        const running = has.has("running");
        const config = has.has("config");
        if (running && config) return [];
        const why: string[] = [];
        const fix: string[] = [];
        if (!config) {
          why.push(`its configuration ${KUBE_PROXY_CONFIG} (--config) is missing`);
          fix.push(`put back ${KUBE_PROXY_CONFIG} (the lab's copy: ${ctx.paths.nodeDir(node.name)}${KUBE_PROXY_CONFIG})`);
        }
        if (!running && staticPod && !has.has("manifest")) {
          why.push(`its static pod manifest ${manifest} is missing`);
          fix.push(`put back ${manifest} (kubelab's copy: ${MANIFESTS_STAGING_DIR}/kube-proxy.yaml); kubelet starts it`);
        } else if (!running) {
          fix.push(staticPod ? "see why kubelet does not run it: crictl ps -a --name kube-proxy; crictl logs" : `systemctl start kube-proxy (${UNIT_DIR}/kube-proxy.service; journalctl -u kube-proxy says why it stopped)`);
        }
        return [
          diagnosisOf(kubeProxyDown, {
            node: node.name,
            found: `kube-proxy ${running ? "runs" : "is not running"} on ${node.name}${why.length ? `: ${why.join("; ")}` : ""}${running ? " (it will not start again)" : "; Services made since it stopped do not answer from this node"}`,
            fix: fix.join("; then "),
            ran: script,
          }),
        ];
      }),
    );
    return found.flat();
  },
};
