/**
 * Reads a gzip'd tar with tar-stream alone (not kubelab's reader), for the tests that check what
 * `lab export` wrote: every file entry's content and mode, by name. Not a test file.
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";

/** One file of a tar. */
export interface TarFile {
  content: Buffer;
  mode: number;
}

/** Every file entry of the gzip'd tar `file`, by name, in the order they come. */
export async function tarEntries(file: string): Promise<Map<string, TarFile>> {
  const files = new Map<string, TarFile>();
  const tar = extract();
  tar.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on("end", () => {
      if (header.type === "file") files.set(header.name, { content: Buffer.concat(chunks), mode: header.mode ?? 0 });
      next();
    });
  });
  await pipeline(createReadStream(file), createGunzip(), tar);
  return files;
}
