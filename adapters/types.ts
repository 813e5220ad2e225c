// The ChainAdapter contract: what the gateway needs from a ledger, and nothing more. Every chain
// (refchain, EVM, Solana) implements it in its own folder under adapters/ and registers one line in
// registry.ts; test/conformance runs one suite against every registered adapter.
//
// Conventions: amounts, heights and nonces are bigint (never a JS number); addresses are strings in
// the chain's canonical form; chain ids are CAIP-2 (`refchain:local`, `eip155:31337`, `solana:…`).
// Optional powers are declared in `capabilities` and travel as optional methods, so the contract
// never grows a required method for one chain's sake.

export type ChainKind = "REFCHAIN" | "EVM" | "SOLANA";

/** An asset as the gateway names it: the chain's native coin, or a token by its on-chain id. */
export type AssetRef = { kind: "NATIVE" } | { kind: "TOKEN"; address: string };

/** An asset as the chain describes it. `address` is the on-chain id (null for the native coin). */
export interface AssetInfo {
  /** `<chainId>/native` or `<chainId>/<address>`: stable, unique across chains. */
  id: string;
  chainId: string;
  kind: "NATIVE" | "TOKEN";
  symbol: string;
  decimals: number;
  address: string | null;
}

export interface ChainCapabilities {
  /** `faucet()` funds an address (dev chains). */
  faucet: boolean;
  /** `issueAsset()` creates a new asset owned by a managed key. */
  issueAsset: boolean;
  /** Transfers carry a memo of at most `maxMemoBytes` UTF-8 bytes (0 when memos are unsupported). */
  maxMemoBytes: number;
  /** Blocks can be replaced (the tracker then expects `rolledBack` in watch). */
  reorgs: boolean;
  /** Confirmations (the including block counts as 1) after which a transfer is final. */
  finalityDepth: number;
  /**
   * The least a (native) account may hold other than nothing, in base units: Solana's rent-exempt
   * minimum. A transfer that would open an account with less, or leave the sender with less, is
   * refused. 0 where any balance is allowed.
   */
  minimumBalance: bigint;
}

export interface ChainDescription {
  id: string;
  kind: ChainKind;
  name: string;
  nativeAsset: AssetInfo;
  capabilities: ChainCapabilities;
}

export interface ChainHead {
  height: bigint;
  hash: string;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
}

/** The key scheme a chain's accounts use; the vault generates and holds keys of this scheme. */
export type KeyScheme = "ed25519" | "secp256k1";

/**
 * A managed key, lent by the vault for one operation. The private key never leaves the vault:
 * an adapter gets the public key and a function that signs.
 */
export interface Signer {
  scheme: KeyScheme;
  /** Raw public key: 32 bytes for ed25519, 33 (compressed) for secp256k1. */
  publicKey: Uint8Array;
  /** The chain address of this key (from `adapter.addressOf`). */
  address: string;
  /**
   * ed25519: signs `message` as is (64-byte signature). secp256k1: `message` is a 32-byte digest;
   * returns r‖s‖v (65 bytes, v = recovery id 0/1).
   */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface BalanceQuery {
  address: string;
  asset: AssetInfo;
}

export interface TransferRequest {
  from: Signer;
  to: string;
  asset: AssetInfo;
  /** Base units, > 0. */
  amount: bigint;
  memo?: string;
}

/**
 * A signed transfer not yet broadcast. The gateway stores it (write-ahead) before `broadcast`, so a
 * crash can only ever re-broadcast these same bytes: the chain sees one transaction, never two.
 */
export interface PreparedTransaction {
  /** The hash the chain will know the transaction by. */
  hash: string;
  /** The signed bytes, as the chain accepts them. */
  raw: Uint8Array;
  /** The sender's nonce or sequence, where the chain has one. */
  nonce: bigint | null;
  /**
   * The last height at which it can still be included; after it, a transaction not on chain never
   * will be, and can be failed safely. null when the chain gives no such bound.
   */
  validUntilHeight: bigint | null;
  /** The fee the sender pays, in base units of the native asset, when known before inclusion. */
  fee: bigint | null;
}

/** What the chain says about a transaction hash. */
export type TransactionStatus =
  | { state: "UNKNOWN" }
  | {
      state: "PENDING";
      /**
       * Set when the node holds the transaction but cannot include it as things stand (a fee cap
       * below the base fee, an earlier nonce it does not have): a sentence for the operator.
       */
      stuck?: string;
    }
  | { state: "INCLUDED"; height: bigint; blockHash: string; fee: bigint | null }
  | { state: "FAILED"; height: bigint | null; reason: string };

/** A value movement observed on chain, normalized across chains. */
export interface ObservedTransfer {
  txHash: string;
  /** Position of the transfer in its block, for a stable order and a unique id per (txHash, index). */
  index: number;
  from: string;
  to: string;
  asset: AssetInfo;
  amount: bigint;
  memo: string | null;
}

/** One block as the watcher sees it: its transfers and the hashes of every transaction in it. */
export interface ObservedBlock {
  height: bigint;
  hash: string;
  parentHash: string;
  timestamp: bigint;
  /** Every transaction hash in the block, so the tracker confirms payments that moved no value it watches. */
  transactionHashes: string[];
  /** Transactions in the block that failed (EVM reverts, Solana errors): hash → reason. */
  failed: Map<string, string>;
  transfers: ObservedTransfer[];
}

export interface WatchHandlers {
  /** Each block exactly once, in height order (after a rollback, heights above it again). */
  onBlock(block: ObservedBlock): Promise<void> | void;
  /** Blocks above `height` were replaced; blocks from `height + 1` on follow again. */
  onRollback?(height: bigint): Promise<void> | void;
  /** The watch ended (lost connection it could not recover). */
  onError(error: Error): void;
}

export interface WatchParameters extends WatchHandlers {
  /** Deliver blocks from this height on (catch-up, then live). Default: from the current head. */
  fromHeight?: bigint;
}

export interface IssueAssetRequest {
  /** The owner of the new asset; the whole supply is credited to its address. */
  issuer: Signer;
  /** A human name for what the asset belongs to (refchain registers it as a subnet). */
  name: string;
  symbol: string;
  decimals: number;
  /** Base units. */
  supply: bigint;
}

/**
 * A chain the gateway can move value on. Errors are AdapterErrors with a code (below); anything
 * else thrown is a fault of the adapter or the chain and surfaces as INTERNAL_SERVER_ERROR.
 */
export interface ChainAdapter {
  readonly description: ChainDescription;
  readonly keyScheme: KeyScheme;

  /** The canonical form of `address`, or an AdapterError INVALID_ADDRESS saying what is wrong. */
  normalizeAddress(address: string): string;
  /** The address of a public key of `keyScheme`. */
  addressOf(publicKey: Uint8Array): string;

  /** Looks an asset up on chain: UNKNOWN_ASSET when there is no such asset. */
  resolveAsset(ref: AssetRef): Promise<AssetInfo>;
  /** Balances in base units, in the order asked: one round trip to the chain however many. */
  getBalances(queries: readonly BalanceQuery[]): Promise<bigint[]>;
  head(): Promise<ChainHead>;

  /** Signs a transfer with the sender's next nonce. Refuses (INSUFFICIENT_FUNDS, MEMO_TOO_LONG, …) before signing when it can tell. */
  prepareTransfer(request: TransferRequest): Promise<PreparedTransaction>;
  /**
   * Sends prepared bytes. Idempotent: broadcasting bytes the chain already has is not an error.
   * REJECTED (with the chain's reason) when the chain refuses them for good.
   */
  broadcast(prepared: PreparedTransaction): Promise<void>;
  /** Where a transaction stands, by hash. */
  getTransactionStatus(hash: string): Promise<TransactionStatus>;
  /**
   * Forgets any nonce the adapter had reserved for `address` after the last broadcast one: called when
   * a prepared transaction was abandoned before broadcast, so the next one does not leave a gap.
   */
  resetNonce?(address: string): void;

  /** Streams blocks with their transfers. Resolves once live; call the result to stop. */
  watch(parameters: WatchParameters): Promise<() => Promise<void>>;

  /** capabilities.faucet: sends `amount` base units of `asset` to `address`; resolves with the tx hash once included. */
  faucet?(address: string, asset: AssetInfo, amount: bigint): Promise<{ hash: string }>;
  /** capabilities.issueAsset: creates an asset, waits until it is on chain. */
  issueAsset?(request: IssueAssetRequest): Promise<AssetInfo>;

  close(): Promise<void>;
}

export type AdapterErrorCode =
  | "INVALID_ADDRESS"
  | "UNKNOWN_ASSET"
  | "INSUFFICIENT_FUNDS"
  | "MEMO_TOO_LONG"
  | "BAD_AMOUNT"
  | "REJECTED"
  /** broadcast: the transaction is past its validUntilHeight and can never land. */
  | "EXPIRED"
  | "UNSUPPORTED"
  | "UNAVAILABLE";

/**
 * The one error an adapter throws on purpose. `code` tells the gateway how to answer (INVALID_ADDRESS →
 * BAD_USER_INPUT, UNAVAILABLE → CHAIN_UNAVAILABLE, …); `message` is a sentence for a person.
 */
export class AdapterError extends Error {
  override readonly name = "AdapterError";
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isAdapterError = (error: unknown): error is AdapterError => error instanceof AdapterError;

/** What an adapter is built from: the gateway's data directory and its logger-free settings. */
export interface AdapterContext {
  /** Where an embedded chain keeps its data (DATA_DIR). */
  dataDir: string;
  env: Readonly<Record<string, string | undefined>>;
}
