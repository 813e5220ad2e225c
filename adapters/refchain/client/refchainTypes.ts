import type { Receipt } from "../chain/receipt.ts";
import type { TxPayload } from "../chain/transaction.ts";
import type { BlockTransaction } from "../rpc/rpcSchema.ts";

// What RefchainClient returns: the node's JSON (rpc/rpcSchema.ts) with amounts, heights and nonces
// back as bigints. Hashes stay hex strings and addresses bech32m strings. The shapes the schema
// already defines in typed form are re-exported, so callers import every result type from here.

export interface BlockHeaderInfo {
  chainId: string;
  height: bigint;
  hash: string;
  parentHash: string;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
  txCount: number;
  txRoot: string;
  stateRoot: string;
  /** The producer's address. */
  producer: string;
  signature: string;
}

export interface BlockInfo {
  header: BlockHeaderInfo;
  /** Transaction hashes, in block order. */
  transactions: string[];
}

/** A block with what each of its transactions did: `getBlock(height, { includeTransactions: true })`. */
export interface BlockWithTransactions {
  header: BlockHeaderInfo;
  /** In block order. */
  transactions: BlockTransaction[];
}

interface TransactionFields {
  hash: string;
  chainId: string;
  from: string;
  nonce: bigint;
  expiry: bigint;
  payload: TxPayload;
  /** The signed bytes, as submitted. */
  raw: Uint8Array;
}

export interface PendingTransaction extends TransactionFields {
  status: "pending";
}

/** In a durable block. */
export interface IncludedTransaction extends TransactionFields {
  status: "included";
  height: bigint;
  index: number;
  blockHash: string;
  receipt: Receipt;
}

export type TransactionView = PendingTransaction | IncludedTransaction;

export type { BlockTransaction, ChainInfo, Nonce, TransferEvent } from "../rpc/rpcSchema.ts";
