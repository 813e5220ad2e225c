import type { ObservedBlock, WatchParameters } from "../../types.ts";
import type { RefchainClient, Unsubscribe } from "../client/refchainClient.ts";
import type { BlockWithTransactions } from "../client/refchainTypes.ts";

export interface WatchBlocksParameters extends WatchParameters {
  client: RefchainClient;
  /** Turns a block read from the chain into what the watcher delivers. */
  observe(block: BlockWithTransactions): Promise<ObservedBlock>;
}

/**
 * Delivers every block from `fromHeight` (default: the one after the current head) to `onBlock`, in
 * height order, each exactly once, awaiting each delivery before the next.
 *
 * The head subscription opens first and only raises the height to read up to; blocks are then read
 * one by one by height. So catch-up and live are one loop: a head that arrives while history is
 * still being read cannot be missed or delivered twice at the handover. Resolves once the
 * subscription is live (catch-up goes on in the background) with the function that stops it, which
 * resolves once the delivery in progress, if any, has returned. A lost subscription, a failed read or
 * an onBlock that throws ends the watch through `onError`.
 */
export async function watchBlocks(parameters: WatchBlocksParameters): Promise<() => Promise<void>> {
  const { client, observe, onBlock, onError } = parameters;
  let target = -1n; // the highest height known to exist
  let next: bigint | undefined; // the next height to deliver, once known
  let stopped = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  let unsubscribe: Unsubscribe | undefined;

  const fail = (error: Error) => {
    if (stopped) return;
    stopped = true;
    nudge();
    unsubscribe?.().catch(() => {}); // the subscription is already gone or going: nothing to report
    onError(error);
  };

  unsubscribe = await client.subscribeHeads({
    onHead: (head) => {
      if (head.height > target) target = head.height;
      nudge();
    },
    onError: fail,
  });

  let head: bigint;
  try {
    head = (await client.head()).height;
  } catch (error) {
    stopped = true;
    await unsubscribe();
    throw error;
  }
  if (head > target) target = head;
  next = parameters.fromHeight ?? head + 1n;
  if (next < 0n) next = 0n;

  const run = async () => {
    while (!stopped) {
      if ((next as bigint) > target) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const height = next as bigint;
      const block = await client.getBlock(height, { includeTransactions: true });
      if (stopped) return;
      // A head was announced that this read does not show yet: wait for the next head and read again.
      if (!block) {
        target = height - 1n;
        continue;
      }
      const observed = await observe(block);
      if (stopped) return;
      await onBlock(observed);
      next = height + 1n;
    }
  };
  const running = run().catch((error: unknown) =>
    fail(error instanceof Error ? error : new Error(String(error))),
  );

  return async () => {
    if (!stopped) {
      stopped = true;
      nudge();
      await unsubscribe?.();
    }
    await running;
  };
}
