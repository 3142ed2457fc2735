/**
 * The JSON progress streams of Docker's build, pull and import endpoints: followed to the end,
 * with errors inside the stream turned into thrown errors.
 */
import type Docker from "dockerode";

/** One message of a Docker progress stream. */
interface StreamMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
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
