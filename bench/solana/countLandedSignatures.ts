import type { Connection } from "@solana/web3.js";

export interface LandedCount {
  /** In a confirmed (or finalized) block, without error. */
  landed: number;
  /** In a block, with an error (the fee was paid, nothing moved). */
  failed: number;
  /** Not in a confirmed block when the wait ended: dropped, or still on its way. */
  missing: number;
  waitedMs: number;
}

/** getSignatureStatuses takes at most 256 signatures. */
const PER_CALL = 256;

/**
 * Polls the statuses of `signatures` (straight at the endpoint, not through a counting proxy) until
 * every one is in a confirmed block or `timeoutMs` passes: a send that returned a signature counts
 * for nothing if its transaction never lands.
 */
export async function countLandedSignatures(
  connection: Connection,
  signatures: readonly string[],
  timeoutMs: number,
): Promise<LandedCount> {
  const started = Date.now();
  let landed = 0;
  let failed = 0;
  let open = [...signatures];
  for (;;) {
    const left: string[] = [];
    for (let start = 0; start < open.length; start += PER_CALL) {
      const chunk = open.slice(start, start + PER_CALL);
      const { value } = await connection.getSignatureStatuses(chunk, { searchTransactionHistory: true });
      chunk.forEach((signature, i) => {
        const status = value[i];
        const inBlock =
          status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized";
        if (!status || !inBlock) left.push(signature);
        else if (status.err !== null) failed++;
        else landed++;
      });
    }
    open = left;
    if (open.length === 0 || Date.now() - started > timeoutMs) {
      return { landed, failed, missing: open.length, waitedMs: Date.now() - started };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
