/**
 * The host's Docker engine as an image store: follow its progress streams (turning errors inside
 * them into thrown errors), check, pull, build and save images. Used for the node image, the
 * iptables base and the control plane's component images.
 */
import type Docker from "dockerode";
import { pack } from "tar-stream";
import { errorMessage, UserError } from "../errors.js";

/** One message of a Docker progress stream. */
interface StreamMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Follows a progress stream; resolves with every message, rejects on the first error message. */
export function followDockerStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onMessage?: (line: string) => void,
): Promise<StreamMessage[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: StreamMessage[]) => {
        if (err) return reject(err);
        const failed = output.find((m) => m.error);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve(output);
      },
      (message: StreamMessage) => {
        const line = (message.stream ?? [message.status, message.progress].filter(Boolean).join(" ")).trim();
        if (line && onMessage) onMessage(line);
      },
    );
  });
}

/** True when the engine has the image. */
export async function hasImage(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Pulls an image; resolves false (never throws) when it cannot be pulled. */
export async function tryPull(docker: Docker, ref: string, onMessage?: (line: string) => void): Promise<boolean> {
  try {
    const stream = await docker.pull(ref);
    await followDockerStream(docker, stream, onMessage);
    return true;
  } catch {
    return false;
  }
}

/** Tags an image `ref` (a full reference, "docker.io/" optional) as `target`. */
export async function tagImage(docker: Docker, ref: string, target: string): Promise<void> {
  const bare = target.replace(/^docker\.io\//, "");
  const colon = bare.lastIndexOf(":");
  await docker.getImage(ref).tag({ repo: bare.slice(0, colon), tag: bare.slice(colon + 1) });
}

/** An image as a `docker save` tarball. */
export async function saveImage(docker: Docker, name: string): Promise<Buffer> {
  const stream = await docker.getImage(name).get();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A file of a build context. */
export interface ContextFile {
  content: Buffer;
  mode?: number;
}

/** Builds an image from in-memory context files (which must include a Dockerfile). */
export async function buildImage(
  docker: Docker,
  options: { tag: string; files: Record<string, ContextFile>; buildargs?: Record<string, string>; what: string; onProgress?: (line: string) => void },
): Promise<void> {
  const tar = pack();
  for (const [name, file] of Object.entries(options.files)) tar.entry({ name, mode: file.mode ?? 0o644 }, file.content);
  tar.finalize();
  try {
    const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
      t: options.tag,
      buildargs: options.buildargs,
      rm: true,
      forcerm: true,
    });
    await followDockerStream(docker, stream, (line) => options.onProgress?.(`${options.what}: ${line}`));
  } catch (error) {
    throw new UserError(`failed to build ${options.what} (${options.tag}): ${errorMessage(error)}`, {
      hint: "builds run apt-get inside Docker: check that the engine's containers reach the Debian mirror",
      cause: error,
    });
  }
}
