/**
 * The node image, built from the recipe under images/node: Debian bookworm with systemd,
 * containerd and the checks' tools, carrying the pause and toolbox images as tarballs each node
 * loads into containerd. Its tag is a hash of the recipes (node, pause, toolbox), so an edited
 * recipe is rebuilt and an unchanged one never is.
 */
import type Docker from "dockerode";
import { ensureBaseImage } from "../../images/base-image.js";
import { buildImage, hasImage, saveImage, tagImage, tryPull, type ContextFile } from "../../images/docker-engine.js";
import { nodeImageName, SANDBOX_IMAGE, TOOLBOX_IMAGE, UPSTREAM_IMAGES } from "../../images/image-names.js";
import { recipeContext, recipeHash } from "../../images/recipes.js";

/** Options of a node image build. */
export interface NodeImageOptions {
  docker: Docker;
  /** Where temporary build inputs (the debootstrap rootfs) go; removed afterwards. */
  workDir: string;
  /** Progress lines. */
  onProgress?: (line: string) => void;
  /** Rebuild even when the image exists. */
  force?: boolean;
}

/** What a build did. */
export interface NodeImageReport {
  image: string;
  built: boolean;
  base: "upstream" | "debootstrap" | "existing";
  durationMs: number;
  sizeBytes: number;
}

/** The recipes the node image is made of. */
const NODE_RECIPES = ["node", "pause", "toolbox"];

/** The node image name for the recipes as they are now. */
export async function currentNodeImage(): Promise<string> {
  return nodeImageName(await recipeHash(NODE_RECIPES));
}

/** Makes sure the engine has the node image of the current recipe; builds it when missing. */
export async function ensureNodeImage(options: NodeImageOptions): Promise<NodeImageReport> {
  const started = Date.now();
  const { docker, onProgress } = options;
  const image = await currentNodeImage();
  if (!options.force && (await hasImage(docker, image))) {
    const size = (await docker.getImage(image).inspect()).Size;
    return { image, built: false, base: "existing", durationMs: Date.now() - started, sizeBytes: size };
  }
  const base = await ensureBaseImage(options);

  // The images every node carries: pulled when possible, otherwise built from their recipes.
  const baked: Record<string, ContextFile> = {};
  for (const [name, recipe] of [
    [SANDBOX_IMAGE, "pause"],
    [TOOLBOX_IMAGE, "toolbox"],
  ] as const) {
    if (options.force || !(await hasImage(docker, name))) {
      const upstream = UPSTREAM_IMAGES[name]!;
      onProgress?.(`pulling ${upstream}`);
      if (await tryPull(docker, upstream)) {
        await tagImage(docker, upstream, name);
      } else {
        onProgress?.(`building ${name} from images/${recipe}`);
        await buildImage(docker, { tag: name.replace(/^docker\.io\//, ""), files: await recipeContext(recipe), buildargs: { BASE_IMAGE: base.image }, what: `the ${recipe} image`, onProgress });
      }
    }
    baked[`images/${recipe}.tar`] = { content: await saveImage(docker, name) };
  }

  onProgress?.(`building ${image}`);
  await buildImage(docker, {
    tag: image,
    files: { ...(await recipeContext("node")), ...baked },
    buildargs: { BASE_IMAGE: base.image },
    what: "the node image",
    onProgress,
  });
  const size = (await docker.getImage(image).inspect()).Size;
  await pruneOldNodeImages(docker, image);
  return { image, built: true, base: base.kind, durationMs: Date.now() - started, sizeBytes: size };
}

/** Removes node images of earlier recipes that no container uses (a used one is kept). */
async function pruneOldNodeImages(docker: Docker, current: string): Promise<void> {
  const [repository] = current.split(":");
  for (const image of await docker.listImages({ filters: { reference: [`${repository}:*`] } })) {
    if (image.RepoTags?.includes(current)) continue;
    for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove().catch(() => undefined);
  }
}
