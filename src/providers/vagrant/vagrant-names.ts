/**
 * Names of a lab's libvirt objects. Each carries the lab's name with '_' around it, a character
 * lab and node names never hold, so kubelab finds what belongs to a lab even without its state.
 */

/** Everything kubelab makes in libvirt starts with this. */
export const LIBVIRT_PREFIX = "kubelab_";

/** The pool of base images (boxes, kernels), shared by labs like the Docker engine's images. */
export const BASE_POOL = "kubelab";

/** Domain names of a lab are this and the node name. */
export function domainPrefix(lab: string): string {
  return `${LIBVIRT_PREFIX}${lab}_`;
}

/** The lab's own network (its node subnet). */
export function labNetworkName(lab: string): string {
  return `${LIBVIRT_PREFIX}${lab}`;
}

/** The network Vagrant reaches the lab's VMs over. */
export function managementNetworkName(lab: string): string {
  return `${LIBVIRT_PREFIX}${lab}_mgmt`;
}

/** The pool holding the lab's disks. */
export function labPoolName(lab: string): string {
  return `${LIBVIRT_PREFIX}${lab}`;
}

/** The lab a libvirt object name belongs to, or undefined when it is not a lab's. */
export function labOf(name: string): string | undefined {
  if (!name.startsWith(LIBVIRT_PREFIX)) return undefined;
  return name.slice(LIBVIRT_PREFIX.length).split("_")[0] || undefined;
}
