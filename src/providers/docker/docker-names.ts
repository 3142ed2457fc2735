/**
 * Names and labels of a lab's Docker objects. Labels are how kubelab finds what belongs to a lab,
 * even when its state directory is gone.
 */

/** Label carrying the lab's name, on every container, network and volume. */
export const LAB_LABEL = "io.kubelab.lab";
/** Label carrying the node's name, on containers and volumes. */
export const NODE_LABEL = "io.kubelab.node";

/** A node's container name. */
export function containerName(lab: string, node: string): string {
  return `${lab}-${node}`;
}

/** The lab's network name. */
export function networkName(lab: string): string {
  return `kubelab-${lab}`;
}

/** The volume holding a node's /var (containerd's snapshots cannot live on the overlay root). */
export function volumeName(lab: string, node: string): string {
  return `${lab}-${node}-var`;
}
