/**
 * The systemd units a node runs for its roles, which it starts again by itself when it boots (a
 * stopped container started, a halted VM brought up): `lab up` enables them once they are in place.
 * Pure: the plan and the node in, unit names out.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";
import { shellLine } from "../errors.js";
import { PODS_STOP_UNIT } from "./kubelet.js";
import { BIN_DIR } from "./node-layout.js";

/** The units `node` runs, enabled so that they start at boot. */
export function bootUnits(plan: Plan, node: PlannedNode): string[] {
  const units = ["kubelab-hosts"];
  if (node.loadBalancer) units.push("haproxy");
  if (node.etcd) units.push("etcd");
  if (node.controlPlane && plan.controlPlaneMode === "systemd") units.push("kube-apiserver", "kube-controller-manager", "kube-scheduler");
  if (node.kubelet) {
    units.push(...(plan.network.overlay === "flannel" ? ["flanneld", "kubelab-flannel-cni"] : ["kubelab-network"]));
    units.push("containerd", PODS_STOP_UNIT, "kubelet");
    if (plan.controlPlaneMode === "systemd") units.push("kube-proxy");
  }
  return units;
}

/**
 * The shell commands that make `node` run with new files (a changed lab file, a newer kubelab):
 * its running services restarted (kubelab's own one-shot setup units are run by their steps), and
 * as static pods, their processes stopped, which kubelet restarts at once with the new files.
 */
export function restartCommands(plan: Plan, node: PlannedNode): string[] {
  const services = bootUnits(plan, node).filter((u) => !u.startsWith("kubelab-"));
  const commands = services.length ? [shellLine(["systemctl", "try-restart", ...services])] : [];
  if (plan.controlPlaneMode === "static-pods") {
    const pods = [...(node.controlPlane ? ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] : []), ...(node.kubelet ? ["kube-proxy"] : [])];
    if (pods.length) commands.push(`pkill -f ${shellLine([`^${BIN_DIR}/(${pods.join("|")}) `])} || true`);
  }
  return commands;
}
