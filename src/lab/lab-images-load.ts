/**
 * `lab images load NAME IMAGE|TARBALL...`: put images from the host's Docker engine or from saved
 * tarballs into a lab's nodes (every node that runs containerd, or the ones named), like kind's
 * `load docker-image`. Every argument is read and checked before any node is touched.
 */
import Docker from "dockerode";
import { UserError } from "../errors.js";
import { readImageArgument, type ImageArchive } from "../images/host-images.js";
import { kubeletNodes } from "../plan/plan.js";
import { loadImageArchive } from "../pipeline/node-images.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { labFromState } from "./lab-from-state.js";

/** What was loaded where. */
export interface ImagesLoadResult {
  lab: string;
  images: { name: string; bytes: number }[];
  nodes: string[];
  durationMs: number;
}

/** Loads images into a lab's nodes. */
export async function labImagesLoad(lab: string, args: string[], onlyNodes: string[] = []): Promise<ImagesLoadResult> {
  const started = Date.now();
  const { plan, provider, paths } = await labFromState(lab);
  const candidates = kubeletNodes(plan);
  const unknown = onlyNodes.filter((n) => !candidates.some((c) => c.name === n));
  if (unknown.length) {
    throw new UserError(`failed to load images: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a node" : "are not nodes"} of ${lab} that run containers`, {
      hint: `nodes with containerd: ${candidates.map((c) => c.name).join(", ")}`,
      exitCode: 2,
    });
  }
  const nodes = onlyNodes.length ? candidates.filter((c) => onlyNodes.includes(c.name)) : candidates;
  await provider.preflight();
  const docker = await new Docker().ping().then(() => new Docker(), () => undefined);
  const images: ImageArchive[] = [];
  for (const arg of args) images.push(await readImageArgument(docker, arg));

  const ctx = { plan, provider, paths, emit: () => undefined, signal: runAbortController().signal };
  await Promise.all(nodes.map(async (node) => {
    for (const image of images) await loadImageArchive(ctx, node.name, image.archive, image.name);
  }));
  return {
    lab,
    images: images.map((i) => ({ name: i.name, bytes: i.archive.length })),
    nodes: nodes.map((n) => n.name),
    durationMs: Date.now() - started,
  };
}
