/**
 * Images for nodes from the host: an image the host's Docker engine has (or, if allowed, can
 * pull), or a `docker save` / OCI tarball on disk, read whole and checked before any node sees it.
 */
import { readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { extract } from "tar-stream";
import { UserError } from "../errors.js";
import { hasImage, saveImage, tryPull } from "./docker-engine.js";

/** An image ready to load into nodes. */
export interface ImageArchive {
  /** What the user named (image reference or file). */
  name: string;
  archive: Buffer;
}

/** True when a buffer is a tar holding an image (docker save's manifest.json or an OCI index.json). */
async function isImageTarball(data: Buffer): Promise<boolean> {
  const tar = extract();
  let found = false;
  const done = new Promise<void>((resolve, reject) => {
    tar.on("entry", (header, stream, next) => {
      if (header.name === "manifest.json" || header.name === "index.json") found = true;
      stream.on("end", next);
      stream.resume();
    });
    tar.on("finish", resolve);
    tar.on("error", reject);
  });
  Readable.from([data]).pipe(tar);
  return done.then(() => found, () => false);
}

/** The image from the engine, pulled first when `pull` is set and it is missing; undefined when it cannot be had. */
export async function engineImage(docker: Docker, ref: string, pull: boolean): Promise<Buffer | undefined> {
  if (!(await hasImage(docker, ref)) && !(pull && (await tryPull(docker, ref)))) return undefined;
  return saveImage(docker, ref);
}

/** Reads an image argument: a tarball file, else an image of the engine; a UserError when it is neither. */
export async function readImageArgument(docker: Docker | undefined, arg: string): Promise<ImageArchive> {
  const isFile = await stat(arg).then((s) => s.isFile(), () => false);
  if (isFile) {
    const data = await readFile(arg);
    if (!(await isImageTarball(data))) {
      throw new UserError(`failed to load ${arg}: the file is not an image tarball`, {
        hint: "make one with `docker save IMAGE -o FILE.tar` (or any OCI image archive)",
      });
    }
    return { name: arg, archive: data };
  }
  const data = docker ? await engineImage(docker, arg, false).catch(() => undefined) : undefined;
  if (!data) {
    throw new UserError(`failed to load ${arg}: no such image in the Docker engine, and no such file`, {
      hint: `pull or build it first (docker pull ${arg}), or pass a tarball made with docker save`,
    });
  }
  return { name: arg, archive: data };
}
