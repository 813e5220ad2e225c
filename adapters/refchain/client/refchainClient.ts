import type { Asset, Subnet } from "../chain/state.ts";
import type { BalanceQuery, BlockJson, BlockWithTransactionsJson, TransferFilter } from "../rpc/rpcSchema.ts";
import { toWire } from "../rpc/toWire.ts";
import {
  assetFromWire,
  blockTransactionFromWire,
  chainInfoFromWire,
  headerFromWire,
  transactionFromWire,
  transferFromWire,
} from "./fromWire.ts";
import type {
  BlockHeaderInfo,
  BlockInfo,
  BlockWithTransactions,
  ChainInfo,
  IncludedTransaction,
  Nonce,
  TransactionView,
  TransferEvent,
} from "./refchainTypes.ts";
import type { RefchainTransport } from "./transport.ts";

/** Ends a subscription. */
export type Unsubscribe = () => Promise<void>;

export interface SubscribeHeadsParameters {
  onHead: (head: BlockHeaderInfo) => void;
  /** The subscription ended on its own (lost connection, dropped as too slow). Default: logged. */
  onError?: (error: Error) => void;
}

export interface SubscribeTransfersParameters extends TransferFilter {
  onTransfer: (transfer: TransferEvent) => void;
  onError?: (error: Error) => void;
}

const logError = (error: Error) => console.error("refchain subscription ended:", error);

/**
 * The one way to talk to a refchain node, embedded (`inProcessTransport(node)`) or standalone
 * (`rpcTransport(url)`): the same typed methods, values and errors either way. Amounts, heights and
 * nonces are bigints. When the chain refuses something the promise rejects with a RefchainError
 * whose `reason` says why (BAD_SIGNATURE, NONCE_USED, INSUFFICIENT_FUNDS, …); an RpcError is a
 * protocol failure (bad params, timeout) and a TransportError an unreachable node.
 */
export class RefchainClient {
  constructor(readonly transport: RefchainTransport) {}

  /** Submits signed transaction bytes. Resolves once admitted (it will be included), not yet included. */
  sendTransaction(raw: Uint8Array): Promise<{ hash: string }> {
    return this.transport.request("refchain_sendTransaction", [toWire(raw)]);
  }

  /**
   * Resolves once the transaction is in a durable block. Rejects with an RpcError (code -32001)
   * after `timeoutMs` (node default 30 s), and with a RefchainError for a hash the node does not know.
   */
  async waitForTransaction(hash: string, options: { timeoutMs?: number } = {}): Promise<IncludedTransaction> {
    const params: [string, number?] = options.timeoutMs === undefined ? [hash] : [hash, options.timeoutMs];
    return transactionFromWire(
      await this.transport.request("refchain_waitForTransaction", params),
    ) as IncludedTransaction;
  }

  /** A pending or included transaction, or null when the node does not know the hash. */
  async getTransaction(hash: string): Promise<TransactionView | null> {
    const json = await this.transport.request("refchain_getTransaction", [hash]);
    return json ? transactionFromWire(json) : null;
  }

  /** Durable balances in base units, in the order asked: one request however many. */
  async getBalances(queries: readonly BalanceQuery[]): Promise<bigint[]> {
    const balances = await this.transport.request("refchain_getBalances", [
      queries.map(({ address, asset }) => ({ address, asset })),
    ]);
    return balances.map((balance) => BigInt(balance));
  }

  async getNonce(address: string): Promise<Nonce> {
    const json = await this.transport.request("refchain_getNonce", [address]);
    return { committed: BigInt(json.committed), pending: BigInt(json.pending) };
  }

  /** The block at `height` (default the latest) with its transaction hashes, or null beyond the head. */
  getBlock(height?: bigint | "latest"): Promise<BlockInfo | null>;
  /** With includeTransactions: each transaction's hash, sender, nonce and receipt events, in one request. */
  getBlock(
    height: bigint | "latest",
    options: { includeTransactions: true },
  ): Promise<BlockWithTransactions | null>;
  async getBlock(
    height: bigint | "latest" = "latest",
    options: { includeTransactions?: boolean } = {},
  ): Promise<BlockInfo | BlockWithTransactions | null> {
    const at = height === "latest" ? height : height.toString();
    if (!options.includeTransactions) {
      const json = (await this.transport.request("refchain_getBlock", [at])) as BlockJson | null;
      return json ? { header: headerFromWire(json.header), transactions: json.transactions } : null;
    }
    const json = (await this.transport.request("refchain_getBlock", [
      at,
      true,
    ])) as BlockWithTransactionsJson | null;
    return json
      ? { header: headerFromWire(json.header), transactions: json.transactions.map(blockTransactionFromWire) }
      : null;
  }

  /** The latest durable block's header. */
  async head(): Promise<BlockHeaderInfo> {
    return headerFromWire(await this.transport.request("refchain_head", []));
  }

  getSubnet(id: string): Promise<Subnet | null> {
    return this.transport.request("refchain_getSubnet", [id]);
  }

  async getAsset(id: string): Promise<Asset | null> {
    const json = await this.transport.request("refchain_getAsset", [id]);
    return json ? assetFromWire(json) : null;
  }

  async chainInfo(): Promise<ChainInfo> {
    return chainInfoFromWire(await this.transport.request("refchain_chainInfo", []));
  }

  /** Dev chains: the node's faucet sends `amount` base units of the native asset to `address`. */
  requestFaucet(address: string, amount: bigint): Promise<{ hash: string }> {
    return this.transport.request("refchain_requestFaucet", [address, amount.toString()]);
  }

  /** Calls onHead with every durable block from now on. Resolves once live. */
  subscribeHeads({ onHead, onError = logError }: SubscribeHeadsParameters): Promise<Unsubscribe> {
    return this.transport.subscribe("newHeads", [], {
      next: (json) => onHead(headerFromWire(json)),
      error: onError,
    });
  }

  /** Calls onTransfer with every Transfer event, from now on, from or to `addresses` (all when absent) in `asset` (any when absent). */
  subscribeTransfers({
    onTransfer,
    onError = logError,
    addresses,
    asset,
  }: SubscribeTransfersParameters): Promise<Unsubscribe> {
    const filter: TransferFilter = {};
    if (addresses !== undefined) filter.addresses = [...addresses];
    if (asset !== undefined) filter.asset = asset;
    return this.transport.subscribe("transfers", [filter], {
      next: (json) => onTransfer(transferFromWire(json)),
      error: onError,
    });
  }

  /** Ends subscriptions and frees connections; an in-process node stays open. */
  close(): Promise<void> {
    return this.transport.close();
  }
}
