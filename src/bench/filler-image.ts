/**
 * An image of a given size to time `lab images load` with: random bytes in one file, FROM scratch.
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { pack } from "tar-stream";
import { followDockerStream } from "../images/docker-engine.js";

/** Builds `tag` holding `bytes` random bytes in /blob. */
export async function buildFillerImage(docker: Docker, tag: string, bytes: number): Promise<void> {
  const tar = pack();
  tar.entry({ name: "Dockerfile" }, "FROM scratch\nCOPY blob /blob\n");
  tar.entry({ name: "blob" }, randomBytes(bytes));
  tar.finalize();
  await followDockerStream(docker, await docker.buildImage(tar as unknown as NodeJS.ReadableStream, { t: tag }));
}
