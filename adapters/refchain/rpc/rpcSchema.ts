import type { BlockHeaderJson } from "../chain/block.ts";
import type { ChainEvent } from "../chain/execute.ts";
import type { Receipt } from "../chain/receipt.ts";
import type { Asset, Subnet } from "../chain/state.ts";
import type { TxPayload } from "../chain/transaction.ts";
import type { Wire } from "./toWire.ts";

// The refchain JSON-RPC contract: every method's positional params and result, and every
// subscription's params and notification, exactly as JSON carries them. The server's method table
// is checked against it and the client decodes from it. Where a shape is not the chain's own, its
// typed form (bigints) is defined here too and the JSON derives from it.

export type TxPayloadJson = Wire<TxPayload>;
export type ChainEventJson = Wire<ChainEvent>;
export type ReceiptJson = Wire<Receipt>;
export type SubnetJson = Wire<Subnet>;
export type AssetJson = Wire<Asset>;

/** A transaction the node knows. Block fields and receipt are null while it is pending. */
export interface TransactionJson {
  hash: string;
  status: "pending" | "included";
  height: string | null;
  index: number | null;
  blockHash: string | null;
  chainId: string;
  from: string;
  nonce: string;
  expiry: string;
  payload: TxPayloadJson;
  /** The signed wire bytes, hex: what to re-broadcast after a crash. */
  raw: string;
  receipt: ReceiptJson | null;
}

export interface BlockJson {
  header: BlockHeaderJson;
  /** Hashes of its transactions, in block order. */
  transactions: string[];
}

/** A transaction of a block with what it did: `refchain_getBlock` with includeTransactions. */
export interface BlockTransaction {
  hash: string;
  /** The sender's address. */
  from: string;
  nonce: bigint;
  /** Its receipt's events (Transfer, SubnetRegistered, …), in order. */
  events: ChainEvent[];
}
export type BlockTransactionJson = Wire<BlockTransaction>;

export interface BlockWithTransactionsJson {
  header: BlockHeaderJson;
  /** Its transactions with their events, in block order. */
  transactions: BlockTransactionJson[];
}

export interface Nonce {
  /** Next nonce according to durable blocks. */
  committed: bigint;
  /** Next nonce counting admitted transactions still waiting for a block: the one to sign with. */
  pending: bigint;
}
export type NonceJson = Wire<Nonce>;

export interface ChainInfo {
  chainId: string;
  nativeAsset: string;
  nativeDecimals: number;
  faucetAddress: string;
  faucetEnabled: boolean;
  faucetMaxPerRequest: bigint;
  producer: string;
  genesisHash: string;
  /** 0: a block as soon as there is a transaction. */
  blockTimeMs: number;
  maxTxPerBlock: number;
  maxTxBytes: number;
  maxMemoBytes: number;
}
export type ChainInfoJson = Wire<ChainInfo>;

export interface BalanceQuery {
  address: string;
  asset: string;
}

/** One Transfer event of a durable block, with where it stands. */
export type TransferEvent = Omit<Extract<ChainEvent, { type: "Transfer" }>, "type"> & {
  height: bigint;
  blockHash: string;
  txHash: string;
  /** Position of the transaction in its block. */
  txIndex: number;
};
export type TransferJson = Wire<TransferEvent>;

/** Narrows a transfers subscription; both are optional and combine with AND. */
export interface TransferFilter {
  /** Transfers from or to any of these. */
  addresses?: string[];
  asset?: string;
}

export interface RefchainRpcSchema {
  refchain_sendTransaction: { params: [rawHex: string]; result: { hash: string } };
  refchain_waitForTransaction: { params: [hash: string, timeoutMs?: number]; result: TransactionJson };
  refchain_getTransaction: { params: [hash: string]; result: TransactionJson | null };
  refchain_getBalances: { params: [queries: BalanceQuery[]]; result: string[] };
  refchain_getNonce: { params: [address: string]; result: NonceJson };
  /** With includeTransactions true, the result is a BlockWithTransactionsJson. */
  refchain_getBlock: {
    params: [height: string | number, includeTransactions?: boolean];
    result: BlockJson | BlockWithTransactionsJson | null;
  };
  refchain_head: { params: []; result: BlockHeaderJson };
  refchain_getSubnet: { params: [id: string]; result: SubnetJson | null };
  refchain_getAsset: { params: [id: string]; result: AssetJson | null };
  refchain_chainInfo: { params: []; result: ChainInfoJson };
  refchain_requestFaucet: { params: [address: string, amount: string]; result: { hash: string } };
}

export type RefchainMethod = keyof RefchainRpcSchema;

/**
 * WebSocket only: `refchain_subscribe([kind, ...params])` answers a subscription id, then each
 * result arrives as `{"jsonrpc":"2.0","method":"refchain_subscription","params":{"subscription":id,"result":…}}`
 * until `refchain_unsubscribe([id])`.
 */
export interface SubscriptionSchema {
  newHeads: { params: []; result: BlockHeaderJson };
  transfers: { params: [filter?: TransferFilter]; result: TransferJson };
}

export type SubscriptionKind = keyof SubscriptionSchema;

export const SUBSCRIPTION_NOTIFICATION = "refchain_subscription";
