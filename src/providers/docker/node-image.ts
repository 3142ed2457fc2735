/**
 * The node image, built from the recipe under images/: Debian bookworm with systemd, containerd and
 * the checks' tools, carrying the pause and toolbox images as tarballs that each node imports into
 * containerd. The base is debian:bookworm-slim when a registry answers, and a debootstrap rootfs
 * imported into the engine when none does. The tag is a hash of the recipe.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type Docker from "dockerode";
import { execa } from "execa";
import { pack } from "tar-stream";
import { errorMessage, UserError } from "../../errors.js";
import {
  LOCAL_BASE_IMAGE,
  nodeImageName,
  SANDBOX_IMAGE,
  TOOLBOX_IMAGE,
  UPSTREAM_BASE_IMAGE,
  UPSTREAM_IMAGES,
} from "../../images/image-names.js";
import { packagePath } from "../../package-root.js";
import { followDockerStream, hasImage, tryPull } from "./docker-stream.js";

/** Options of a node image build. */
export interface NodeImageOptions {
  docker: Docker;
  /** Where temporary build inputs (the debootstrap rootfs) go; removed afterwards. */
  workDir: string;
  /** Progress lines. */
  onProgress?: (line: string) => void;
  /** Rebuild even when the image exists. */
  force?: boolean;
  /** The Debian mirror for debootstrap. */
  debianMirror?: string;
}

/** What a build did. */
export interface NodeImageReport {
  image: string;
  built: boolean;
  base: "upstream" | "debootstrap" | "existing";
  durationMs: number;
  sizeBytes: number;
}

const RECIPES = ["node", "pause", "toolbox"];

/** Files of a recipe folder, relative to it, sorted. */
async function recipeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

/** A hash of the whole recipe (every file under images/node, images/pause, images/toolbox). */
export async function recipeHash(): Promise<string> {
  const hash = createHash("sha256");
  for (const recipe of RECIPES) {
    const dir = packagePath("images", recipe);
    for (const file of await recipeFiles(dir)) {
      hash.update(`${recipe}/${file}\0`);
      hash.update(await readFile(join(dir, file)));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

/** The node image name for the recipe as it is now. */
export async function currentNodeImage(): Promise<string> {
  return nodeImageName(await recipeHash());
}

/** A build context: the files of a recipe folder plus extra in-memory files. */
async function buildContext(dir: string, extra: Record<string, Buffer> = {}): Promise<NodeJS.ReadableStream> {
  const tar = pack();
  for (const file of await recipeFiles(dir)) {
    const full = join(dir, file);
    const mode = (await stat(full)).mode & 0o777;
    tar.entry({ name: file, mode }, await readFile(full));
  }
  for (const [name, content] of Object.entries(extra)) tar.entry({ name, mode: 0o644 }, content);
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}

/** Builds one recipe into an image. */
async function buildRecipe(
  options: NodeImageOptions,
  recipe: string,
  tag: string,
  base: string,
  extra?: Record<string, Buffer>,
): Promise<void> {
  const { docker, onProgress } = options;
  const context = await buildContext(packagePath("images", recipe), extra);
  const stream = await docker.buildImage(context, { t: tag, buildargs: { BASE_IMAGE: base }, rm: true, forcerm: true });
  try {
    await followDockerStream(docker, stream, (line) => onProgress?.(`${recipe}: ${line}`));
  } catch (error) {
    throw new UserError(`failed to build the ${recipe} image ${tag}: ${errorMessage(error)}`, {
      hint: "the build runs apt-get inside Docker: check that the engine's containers reach the Debian mirror",
      cause: error,
    });
  }
}

/** Reads an image from the engine as a `docker save` tarball. */
async function saveImage(docker: Docker, name: string): Promise<Buffer> {
  const stream = await docker.getImage(name).get();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A Debian base image made with debootstrap, for engines that reach no registry. */
async function debootstrapBase(options: NodeImageOptions): Promise<void> {
  const { docker, onProgress } = options;
  if (process.getuid?.() !== 0) {
    throw new UserError("failed to make the node image's base: no registry is reachable and debootstrap needs root", {
      hint: "run `sudo lab image build` once (needs the debootstrap package), or make debian:bookworm-slim pullable",
    });
  }
  await mkdir(options.workDir, { recursive: true });
  const rootfs = await mkdtemp(join(options.workDir, "debootstrap-"));
  try {
    const mirror = options.debianMirror ?? "http://deb.debian.org/debian";
    onProgress?.(`debootstrap bookworm from ${mirror}`);
    const run = execa("debootstrap", ["--variant=minbase", "bookworm", rootfs, mirror], { all: true, reject: false });
    run.all?.on("data", (d: Buffer) => onProgress?.(d.toString().trim().split("\n").pop() ?? ""));
    const result = await run;
    if (result.failed) {
      const missing = (result as { code?: string }).code === "ENOENT";
      throw new UserError(`failed to make the node image's base with debootstrap: ${missing ? "debootstrap is not installed" : result.shortMessage}`, {
        hint: missing ? "install it: sudo apt-get install debootstrap" : `its output ends with:\n${String(result.all).split("\n").slice(-10).join("\n")}`,
      });
    }
    await execa("sh", ["-c", 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', "sh", rootfs]);
    const tar = execa("tar", ["-C", rootfs, "-c", "."], { buffer: false, stdout: "pipe" });
    const [repo, tag] = LOCAL_BASE_IMAGE.split(":");
    const stream = await docker.importImage(tar.stdout as NodeJS.ReadableStream, { repo, tag });
    await followDockerStream(docker, stream);
    await tar;
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
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

  let baseKind: NodeImageReport["base"] = "upstream";
  let base = UPSTREAM_BASE_IMAGE;
  onProgress?.(`pulling ${UPSTREAM_BASE_IMAGE}`);
  if (!(await tryPull(docker, UPSTREAM_BASE_IMAGE))) {
    baseKind = "debootstrap";
    base = LOCAL_BASE_IMAGE;
    if (options.force || !(await hasImage(docker, LOCAL_BASE_IMAGE))) {
      onProgress?.(`no registry reachable: building ${LOCAL_BASE_IMAGE} with debootstrap`);
      await debootstrapBase(options);
    }
  }

  // The images every node carries: pulled when possible, otherwise built from their recipes.
  const baked: Record<string, Buffer> = {};
  for (const [name, recipe, file] of [
    [SANDBOX_IMAGE, "pause", "pause.tar"],
    [TOOLBOX_IMAGE, "toolbox", "toolbox.tar"],
  ] as const) {
    if (options.force || !(await hasImage(docker, name))) {
      const upstream = UPSTREAM_IMAGES[name]!;
      onProgress?.(`pulling ${upstream}`);
      if (await tryPull(docker, upstream)) {
        const [repo, tag] = name.replace(/^docker\.io\//, "").split(":") as [string, string];
        await docker.getImage(upstream).tag({ repo, tag });
      } else {
        onProgress?.(`building ${name} from images/${recipe}`);
        await buildRecipe(options, recipe, name.replace(/^docker\.io\//, ""), base);
      }
    }
    baked[`images/${file}`] = await saveImage(docker, name);
  }

  onProgress?.(`building ${image}`);
  await buildRecipe(options, "node", image, base, baked);
  const size = (await docker.getImage(image).inspect()).Size;
  return { image, built: true, base: baseKind, durationMs: Date.now() - started, sizeBytes: size };
}
