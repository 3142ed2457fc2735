/**
 * The systemd units a node runs for its roles, which it starts again by itself when it boots (a
 * stopped container started, a halted VM brought up): `lab up` enables them once they are in place.
 * Pure: the plan and the node in, unit names out.
 */
import type { Plan, PlannedNode } from "../plan/plan.js";

/** The units `node` runs, enabled so that they start at boot. */
export function bootUnits(plan: Plan, node: PlannedNode): string[] {
  const units = ["kubelab-hosts"];
  if (node.loadBalancer) units.push("haproxy");
  if (node.etcd) units.push("etcd");
  if (node.controlPlane && plan.controlPlaneMode === "systemd") units.push("kube-apiserver", "kube-controller-manager", "kube-scheduler");
  if (node.kubelet) {
    units.push(...(plan.network.overlay === "flannel" ? ["flanneld", "kubelab-flannel-cni"] : ["kubelab-network"]));
    units.push("containerd", "kubelet");
    if (plan.controlPlaneMode === "systemd") units.push("kube-proxy");
  }
  return units;
}
