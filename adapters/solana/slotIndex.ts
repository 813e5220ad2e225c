import type { Connection } from "@solana/web3.js";

/** A block's place as the gateway counts it: block heights are consecutive, slots skip. */
export interface BlockHeader {
  slot: number;
  height: bigint;
  hash: string;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
}

/** Entries kept in each map: enough for catch-up and the finality window. */
const KEPT = 4_096;
/** Slots asked for at once when looking for the next block. */
const SLOT_WINDOW = 512;

/**
 * Slots ↔ block heights for the watcher, whose heights must be consecutive while Solana's slots skip
 * (a leader may produce no block). Headers are read at the confirmed commitment and remembered.
 */
export class SlotIndex {
  readonly #connection: Connection;
  readonly #headers = new Map<number, BlockHeader>();
  readonly #slotOfHeight = new Map<bigint, number>();

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** The header of the block in `slot`, or null when the slot has no (confirmed) block. */
  async header(slot: number): Promise<BlockHeader | null> {
    const known = this.#headers.get(slot);
    if (known) return known;
    let block: Awaited<ReturnType<Connection["getBlock"]>>;
    try {
      block = await this.#connection.getBlock(slot, {
        commitment: "confirmed",
        maxSupportedTransactionVersion: 0,
        transactionDetails: "none",
        rewards: false,
      });
    } catch (error) {
      // "Slot was skipped" and "not available" are answers, not faults.
      if (
        /skipped|not available|missing in long-term storage/i.test(
          error instanceof Error ? error.message : "",
        )
      )
        return null;
      throw error;
    }
    // The RPC answers blockHeight; web3.js parses it but leaves it out of its types.
    const height = block === null ? null : (block as { blockHeight?: number | null }).blockHeight;
    if (block === null || height === null || height === undefined) return null;
    const header: BlockHeader = {
      slot,
      height: BigInt(height),
      hash: block.blockhash,
      timestamp: BigInt(block.blockTime ?? 0) * 1000n,
    };
    this.#remember(header);
    return header;
  }

  /** The slot of the confirmed block at `height`, or null when the chain has not reached it. */
  async slotOf(height: bigint): Promise<number | null> {
    const known = this.#slotOfHeight.get(height);
    if (known !== undefined) return known;
    const tip = await this.#connection.getSlot("confirmed");
    const below = this.#slotOfHeight.get(height - 1n);
    if (below !== undefined) return this.#firstBlockFrom(below + 1, tip);
    // No neighbour known: guess from the tip (as if no slot were skipped, which puts the guess at or
    // after the block), then step back by the heights the guess overshot until it lands.
    const top = await this.header(tip);
    if (top === null || height > top.height) return null;
    let guess = tip - Number(top.height - height);
    for (let attempt = 0; attempt < 64; attempt++) {
      const slot = await this.#firstBlockFrom(Math.max(guess, 0), tip);
      const header = slot === null ? null : await this.header(slot);
      if (header === null) return null;
      if (header.height === height) return header.slot;
      guess = header.height > height ? guess - Number(header.height - height) : header.slot + 1;
    }
    throw new Error(`could not find the slot of block height ${height}`);
  }

  /** The first slot at or after `from` (up to `tip`) that has a block. */
  async #firstBlockFrom(from: number, tip: number): Promise<number | null> {
    for (let start = from; start <= tip; start += SLOT_WINDOW) {
      const slots = await this.#connection.getBlocks(
        start,
        Math.min(start + SLOT_WINDOW - 1, tip),
        "confirmed",
      );
      const first = slots[0];
      if (first !== undefined) {
        const header = await this.header(first);
        return header === null ? null : first;
      }
    }
    return null;
  }

  #remember(header: BlockHeader): void {
    this.#headers.set(header.slot, header);
    this.#slotOfHeight.set(header.height, header.slot);
    if (this.#headers.size > KEPT) {
      const oldest = this.#headers.keys().next().value as number;
      const dropped = this.#headers.get(oldest);
      this.#headers.delete(oldest);
      if (dropped) this.#slotOfHeight.delete(dropped.height);
    }
  }
}
