/** Waiting for a stream to take everything written to it so far. */

/**
 * Resolves once every write queued on `stream` before this call has been handed to the system,
 * by queueing an empty write and waiting for its callback.
 */
export function flushStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write("", () => resolve());
  });
}
