/**
 * The Debian bookworm base every kubelab image builds from: debian:bookworm-slim when a registry
 * answers, otherwise a rootfs made with debootstrap from the Debian mirror and imported into the
 * engine (kept there, so it is made once).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { followDockerStream, hasImage, tryPull } from "./docker-engine.js";
import { LOCAL_BASE_IMAGE, UPSTREAM_BASE_IMAGE } from "./image-names.js";

/** Options of the base image. */
export interface BaseImageOptions {
  docker: Docker;
  /** Where the debootstrap rootfs is made; removed afterwards. */
  workDir: string;
  onProgress?: (line: string) => void;
  /** Make the debootstrap base again even when the engine has it. */
  force?: boolean;
  /** The Debian mirror for debootstrap. */
  debianMirror?: string;
}

/** The base image and where it came from. */
export interface BaseImage {
  image: string;
  kind: "upstream" | "debootstrap";
}

/** Pulls debian:bookworm-slim, or makes (or reuses) the debootstrap base. */
export async function ensureBaseImage(options: BaseImageOptions): Promise<BaseImage> {
  const { docker, onProgress } = options;
  onProgress?.(`pulling ${UPSTREAM_BASE_IMAGE}`);
  if (await tryPull(docker, UPSTREAM_BASE_IMAGE)) return { image: UPSTREAM_BASE_IMAGE, kind: "upstream" };
  if (options.force || !(await hasImage(docker, LOCAL_BASE_IMAGE))) {
    onProgress?.(`no registry reachable: making ${LOCAL_BASE_IMAGE} with debootstrap`);
    await debootstrapBase(options);
  }
  return { image: LOCAL_BASE_IMAGE, kind: "debootstrap" };
}

async function debootstrapBase(options: BaseImageOptions): Promise<void> {
  const { docker, onProgress } = options;
  // Loaded here, not with the module: a run that builds nothing (a rerun) need not load execa.
  const { execa } = await import("execa");
  if (process.getuid?.() !== 0) {
    throw new UserError("failed to make the base image: no registry is reachable and debootstrap needs root", {
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
      throw new UserError(`failed to make the base image with debootstrap: ${missing ? "debootstrap is not installed" : result.shortMessage}`, {
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
