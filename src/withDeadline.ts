/**
 * `promise`, or a rejection with `error()` once `ms` passed without it settling. The promise itself
 * runs on (there is nothing to cancel it with): callers that own a resource tear it down on the
 * rejection.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(error()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
