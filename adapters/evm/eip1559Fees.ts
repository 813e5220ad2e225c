import type { PublicClient } from "viem";
import { SharedReads } from "../sharedReads.ts";

export interface Eip1559Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** How long one fee reading serves: a block or so, so a burst of payments costs one reading. */
const FEES_TTL_MS = 1_000;

/**
 * EIP-1559 fees for the next transactions: the node's suggested tip, and a fee cap of twice the
 * latest base fee plus the tip, which stays above the base fee through six full blocks in a row
 * (each raises it at most 12.5%), so a transaction is not stranded by a short rise in demand.
 * One reading (both values in one batched round trip) is shared for FEES_TTL_MS.
 */
export class Eip1559FeeEstimator {
  readonly #client: PublicClient;
  readonly #reading = new SharedReads<"fees", Eip1559Fees>({ ttlMs: FEES_TTL_MS });

  constructor(client: PublicClient) {
    this.#client = client;
  }

  current(): Promise<Eip1559Fees> {
    return this.#reading.get("fees", () => this.#read());
  }

  async #read(): Promise<Eip1559Fees> {
    const [block, tip] = await Promise.all([
      this.#client.getBlock({ blockTag: "latest" }),
      this.#client.request({ method: "eth_maxPriorityFeePerGas" }).then(BigInt),
    ]);
    const baseFee = block.baseFeePerGas;
    if (baseFee === null)
      throw new Error("the chain's latest block has no base fee: it does not support EIP-1559");
    return { maxFeePerGas: 2n * baseFee + tip, maxPriorityFeePerGas: tip };
  }
}
