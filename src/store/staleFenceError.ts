/** What a refused progress write knew: whose chain, the fence it carried, the fence already stored. */
export interface StaleFence {
  chainId: string;
  /** The refused write's fencing token (0 when it carried none). */
  fence: bigint;
  /** The token of the tracker that wrote the chain's progress last: greater than `fence`. */
  storedFence: bigint;
}

const STALE_FENCE_CODE = "STALE_FENCE";

/**
 * A chain-progress write refused because a tracker holding a newer lease (a greater fencing token)
 * has written that chain's progress since: the writer lost its lease and must stop, or it would move
 * the chain back or apply a block twice. Nothing of the refused write was kept.
 */
export class StaleFenceError extends Error {
  readonly code = STALE_FENCE_CODE;
  readonly chainId: string;
  readonly fence: bigint;
  readonly storedFence: bigint;

  constructor(stale: StaleFence) {
    super(
      `another replica took over watching ${stale.chainId} (fence ${stale.storedFence} > ${stale.fence})`,
    );
    this.name = "StaleFenceError";
    this.chainId = stale.chainId;
    this.fence = stale.fence;
    this.storedFence = stale.storedFence;
  }

  /** The fields that rebuild this error on the far side of a thread boundary (which keeps no class). */
  toStaleFence(): StaleFence {
    return { chainId: this.chainId, fence: this.fence, storedFence: this.storedFence };
  }
}

/**
 * True for a StaleFenceError, and for an error that only kept its name or code (one that crossed a
 * thread or process boundary, or came from another copy of this module), so callers need not care
 * where it was made.
 */
export function isStaleFenceError(error: unknown): error is Error & { code?: string } {
  if (error instanceof StaleFenceError) return true;
  if (typeof error !== "object" || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === "StaleFenceError" || code === STALE_FENCE_CODE;
}
