/**
 * A deadline for a promise that has no timeout of its own (an API call, a whole check).
 */

/** Resolves or rejects as `promise` does, or rejects with "no answer within ..." after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
