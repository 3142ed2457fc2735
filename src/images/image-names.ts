/**
 * Names of the images kubelab builds or pulls. The node image is tagged with a hash of its recipe,
 * so a changed recipe is rebuilt and an unchanged one never is; so are the Vagrant boxes made from it.
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

/** What every Vagrant box kubelab builds from the node image is named with, before the hash. */
export const NODE_BOX_PREFIX = "kubelab/node-";

/** The Vagrant box name for a recipe hash (a box name has no tag: the hash is part of the name). */
export function nodeBoxName(recipeHash: string): string {
  return `${NODE_BOX_PREFIX}${recipeHash}`;
}

/** The image the box is made from while it is built (removed once its files are out). */
export function boxBuildImageName(recipeHash: string): string {
  return `kubelab/box-build:${recipeHash}`;
}
