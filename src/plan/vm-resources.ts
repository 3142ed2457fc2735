/**
 * The size of a node's VM (provider vagrant): by its roles, unless the lab file sets it. A VM
 * holds its whole memory from boot, so these are what a lab costs the host, not estimates.
 */
import type { LabNode, NodeRole } from "../config/lab-schema.js";

/** CPUs and memory of one VM. */
export interface VmResources {
  cpus: number;
  memoryMiB: number;
}

/** The size each role asks for; a node with several roles gets the largest of each. */
export const VM_RESOURCES_BY_ROLE: Readonly<Record<NodeRole, VmResources>> = {
  controlplane: { cpus: 2, memoryMiB: 2048 },
  worker: { cpus: 1, memoryMiB: 1536 },
  etcd: { cpus: 1, memoryMiB: 1024 },
  loadbalancer: { cpus: 1, memoryMiB: 512 },
};

/** A node's VM size: the lab file's `vm` where set, else the largest its roles ask for. */
export function vmResources(node: Pick<LabNode, "roles" | "vm">): VmResources {
  const byRole = node.roles.map((r) => VM_RESOURCES_BY_ROLE[r]);
  return {
    cpus: node.vm?.cpus ?? Math.max(...byRole.map((r) => r.cpus)),
    memoryMiB: node.vm?.memory ?? Math.max(...byRole.map((r) => r.memoryMiB)),
  };
}
