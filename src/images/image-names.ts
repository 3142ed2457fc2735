/**
 * Names of the images kubelab builds or pulls. The node image is tagged with a hash of its recipe,
 * so a changed recipe is rebuilt and an unchanged one never is.
 */

/** Repository of node images. */
export const NODE_IMAGE_REPOSITORY = "kubelab/node";

/** The pod sandbox image every node's containerd uses (as containerd names it). */
export const SANDBOX_IMAGE = "docker.io/kubelab/pause:3.9";

/** The image the checks' pods run (busybox: sh, ping, nc, httpd, nslookup). */
export const TOOLBOX_IMAGE = "docker.io/kubelab/toolbox:1.36";

/** Where the baked images come from when a registry is reachable. */
export const UPSTREAM_IMAGES: Record<string, string> = {
  [SANDBOX_IMAGE]: "registry.k8s.io/pause:3.9",
  [TOOLBOX_IMAGE]: "docker.io/library/busybox:1.36.1",
};

/** The base image of the node image when a registry is reachable. */
export const UPSTREAM_BASE_IMAGE = "debian:bookworm-slim";

/** The base image made with debootstrap when no registry is reachable. */
export const LOCAL_BASE_IMAGE = "kubelab/debian-base:bookworm";

/** The node image tag for a recipe hash. */
export function nodeImageName(recipeHash: string): string {
  return `${NODE_IMAGE_REPOSITORY}:${recipeHash}`;
}
