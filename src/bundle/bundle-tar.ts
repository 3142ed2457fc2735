/**
 * A bundle on disk: a gzip'd tar of named files. Written to a hidden temporary file beside the
 * target and renamed over it once whole, so a reader (or a process killed midway) never finds half
 * a bundle; read whole into memory (a bundle is small: text files and journals), with a limit so a
 * hostile file cannot exhaust memory.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { extract, pack } from "tar-stream";
import { errorMessage, UserError } from "../errors.js";

/** One file of a bundle. */
export interface BundleEntry {
  /** Its path inside the bundle, e.g. "nodes/fed-master/etc/systemd/system/etcd.service". */
  name: string;
  content: Buffer | string;
  /** Permission bits (default 0644). */
  mode?: number;
}

/** Options of {@link writeBundle}. */
export interface WriteBundleOptions {
  /** Replace a file already at the target (`--force`); otherwise one there is refused. */
  replace: boolean;
  /** The entries' modification time. */
  mtime: Date;
}

/** The most a bundle may hold, uncompressed. */
const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;

/**
 * Writes `entries` as a gzip'd tar at `target` atomically; resolves with its size in bytes.
 * @throws UserError (exit code 2) when the target exists and `replace` is not set, or its folder
 * is missing; nothing is left behind on any failure.
 */
export async function writeBundle(target: string, entries: readonly BundleEntry[], options: WriteBundleOptions): Promise<number> {
  await checkBundleTarget(target, options.replace);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const tar = pack();
    const written = pipeline(tar, createGzip(), createWriteStream(temp, { flags: "wx", mode: 0o644 }));
    for (const entry of entries) {
      const content = typeof entry.content === "string" ? Buffer.from(entry.content) : entry.content;
      tar.entry({ name: entry.name, size: content.length, mode: entry.mode ?? 0o644, mtime: options.mtime }, content);
    }
    tar.finalize();
    await written;
    // Checked again at the last moment: a file that appeared meanwhile is not replaced either.
    await refuseExisting(target, options.replace);
    await rename(temp, target);
    return (await stat(target)).size;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Fails unless a bundle can be written at `target`: its folder exists, and nothing is there
 * (or `replace` is set and it is not a folder).
 * @throws UserError (exit code 2) saying which.
 */
export async function checkBundleTarget(target: string, replace: boolean): Promise<void> {
  const folder = await stat(dirname(target)).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new UserError(`failed to write bundle ${target}: no such folder ${dirname(target)}`, { hint: "create the folder first, or pick another -o", exitCode: 2 });
  }
  await refuseExisting(target, replace);
}

async function refuseExisting(target: string, replace: boolean): Promise<void> {
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new UserError(`failed to write bundle ${target}: it is a folder`, { hint: `name the file, e.g. -o ${join(target, "bundle.tar.gz")}`, exitCode: 2 });
  }
  if (existing && !replace) {
    throw new UserError(`failed to write bundle ${target}: the file exists`, { hint: "pick another -o, or add --force to replace it", exitCode: 2 });
  }
}

/**
 * Reads every file of a bundle, by name.
 * @throws UserError (exit code 2) when the file cannot be read or is not a gzip'd tar.
 */
export async function readBundle(file: string): Promise<Map<string, Buffer>> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`failed to read bundle ${file}: ${error.code === "ENOENT" ? "no such file" : errorMessage(error)}`, {
      hint: "give the path of a file written by lab export",
      exitCode: 2,
    });
  });
  if (!info.isFile()) throw new UserError(`failed to read bundle ${file}: it is not a file`, { hint: "give the path of a file written by lab export", exitCode: 2 });
  const entries = new Map<string, Buffer>();
  let total = 0;
  const tar = extract();
  tar.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (data: unknown) => {
      const chunk = data as Buffer;
      total += chunk.length;
      if (total > MAX_BUNDLE_BYTES) stream.destroy(new Error(`it holds more than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB`));
      else if (header.type === "file") chunks.push(chunk);
    });
    stream.on("end", () => {
      if (header.type === "file") entries.set(header.name, Buffer.concat(chunks));
      next();
    });
    stream.on("error", next);
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), tar);
  } catch (error) {
    throw new UserError(`failed to read bundle ${file}: it is not a gzip'd tar written by lab export (${errorMessage(error)})`, {
      hint: "give the path of a file written by lab export (a .tar.gz)",
      exitCode: 2,
    });
  }
  return entries;
}
