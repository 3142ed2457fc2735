/**
 * An image's files on the host: the filesystem a container of the image starts with, exported by
 * the engine and unpacked with owners, modes and extended attributes (file capabilities) kept.
 */
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { runHostTool, TAR } from "./host-tools.js";

/**
 * Unpacks the files of `image` into `dir` (which must exist; run as root, or owners are lost).
 * The container made for the export is never started, and is removed afterwards.
 */
export async function unpackImage(docker: Docker, image: string, dir: string): Promise<void> {
  const container = await docker.createContainer({ Image: image, Labels: { "io.kubelab.purpose": "export" } });
  try {
    const stream = (await container.export()) as Readable;
    // --ignore-zeros: tar reads the stream to its end, padding after the archive's end included,
    // rather than closing it early (which would look like a failed stream).
    await runHostTool(TAR, ["-x", "-C", dir, "--ignore-zeros", "--numeric-owner", "--same-permissions", "--xattrs", "--xattrs-include=*"], {
      what: `unpack the files of ${image}`,
      stdin: stream,
    });
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
