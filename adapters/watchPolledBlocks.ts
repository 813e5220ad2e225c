import type { ObservedBlock, WatchParameters } from "./types.ts";

/** What the watcher reads from the chain. */
export interface PolledBlockSource {
  /** The newest block's height and hash. */
  latest(): Promise<{ height: bigint; hash: string }>;
  /** The hash of the block at `height` now, or null when there is none. */
  hashAt(height: bigint): Promise<string | null>;
  /** The block at `height` as the gateway sees it (transactions, receipts, transfers), or null when there is none yet. */
  observe(height: bigint): Promise<ObservedBlock | null>;
}

export interface WatchPolledBlocksParameters extends WatchParameters {
  source: PolledBlockSource;
  /** How long to wait between looks at the head once caught up. */
  pollIntervalMs: number;
}

/** Hashes of delivered blocks kept to find where a reorg forked: deeper reorgs end the watch. */
export const REORG_MEMORY = 256;

/**
 * Delivers every block from `fromHeight` (default: the one after the current head) to `onBlock`, in
 * height order, awaiting each, and follows reorgs: when a block's parent is not the block delivered
 * below it, or the head is no longer a block delivered (an `evm_revert`, a shorter branch), it walks
 * back to the last height whose hash still matches, calls `onRollback` with it, and delivers the new
 * branch from there. Polls over plain JSON-RPC: one request per look while idle, so any node works.
 *
 * Resolves once the head was read (then catch-up and live are one loop) with the function that stops
 * it; a failed read or a throwing handler ends the watch through `onError`.
 */
export async function watchPolledBlocks(
  parameters: WatchPolledBlocksParameters,
): Promise<() => Promise<void>> {
  const { source, onBlock, onRollback, onError, pollIntervalMs } = parameters;
  const delivered = new Map<bigint, string>(); // height → hash, the last REORG_MEMORY delivered
  let last: bigint | null = null; // the highest height delivered
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollIntervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const head = await source.latest();
  let next = parameters.fromHeight ?? head.height + 1n;
  if (next < 0n) next = 0n;
  // The block below the first one delivered, as it is now: a reorg of the first block delivered
  // then has a point to return to.
  if (next > 0n) {
    const below = await source.hashAt(next - 1n);
    if (below !== null) delivered.set(next - 1n, below);
  }

  /** The highest delivered height whose block is still on the chain; throws when the fork is deeper than memory. */
  const forkPoint = async (from: bigint): Promise<bigint> => {
    for (let height = from; delivered.has(height); height--) {
      if ((await source.hashAt(height)) === delivered.get(height)) return height;
    }
    throw new Error(
      `the chain replaced more than the last ${REORG_MEMORY} blocks delivered; cannot follow that reorg`,
    );
  };

  const rollBackTo = async (height: bigint) => {
    for (const known of [...delivered.keys()]) if (known > height) delivered.delete(known);
    last = height;
    next = height + 1n;
    await onRollback?.(height);
  };

  const run = async () => {
    while (!stopped) {
      const tip = await source.latest();
      if (stopped) return;
      // The chain no longer holds the top block delivered: a revert, or a branch no longer than ours.
      if (last !== null && tip.height <= last && delivered.get(tip.height) !== tip.hash) {
        const top = tip.height < last ? tip.height : last;
        await rollBackTo(delivered.get(top) === tip.hash ? top : await forkPoint(top));
        continue;
      }
      while (!stopped && next <= tip.height) {
        const block = await source.observe(next);
        if (stopped) return;
        if (block === null) break; // announced but not served yet: look again
        const parent = delivered.get(block.height - 1n);
        if (parent !== undefined && parent !== block.parentHash) {
          await rollBackTo(await forkPoint(block.height - 1n));
          break;
        }
        await onBlock(block);
        delivered.set(block.height, block.hash);
        delivered.delete(block.height - BigInt(REORG_MEMORY));
        last = block.height;
        next = block.height + 1n;
      }
      if (!stopped && next > tip.height) await sleep();
    }
  };
  const running = run().catch((error: unknown) => {
    if (stopped) return;
    stopped = true;
    onError(error instanceof Error ? error : new Error(String(error)));
  });

  return async () => {
    stopped = true;
    wake?.();
    await running;
  };
}
