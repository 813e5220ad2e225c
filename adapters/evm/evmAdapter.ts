import {
  BlockNotFoundError,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  hexToString,
  type PublicClient,
  parseAbi,
  type RpcTransaction,
  type RpcTransactionReceipt,
  recoverTransactionAddress,
  toHex,
} from "viem";
import { formatBaseUnits, formatAssetUnits as units } from "../formatBaseUnits.ts";
import { NonceCache } from "../nonceCache.ts";
import { OpenWatches } from "../openWatches.ts";
import { SharedReads } from "../sharedReads.ts";
import {
  AdapterError,
  type AssetInfo,
  type AssetRef,
  type BalanceQuery,
  type ChainAdapter,
  type ChainDescription,
  type ChainHead,
  type KeyScheme,
  type ObservedBlock,
  type ObservedTransfer,
  type PreparedTransaction,
  type Signer,
  type TransactionStatus,
  type TransferRequest,
  type WatchParameters,
} from "../types.ts";
import { watchPolledBlocks } from "../watchPolledBlocks.ts";
import type { AnvilFaucet } from "./anvilFaucet.ts";
import { Eip1559FeeEstimator, type Eip1559Fees } from "./eip1559Fees.ts";
import { evmAddressOf } from "./evmAddressOf.ts";
import { normalizeEvmAddress } from "./normalizeEvmAddress.ts";
import { signEvmTransaction } from "./signEvmTransaction.ts";
import { isUnreachable, rpcErrorMessage, toEvmAdapterError } from "./toEvmAdapterError.ts";

const MAX_UINT256 = 2n ** 256n - 1n;
const HASH = /^0x[0-9a-fA-F]{64}$/;
/** keccak256("Transfer(address,address,uint256)"): ERC-20 transfers (ERC-721 has a fourth topic). */
const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
/** Older tokens (MKR, …) return symbol as bytes32. */
const BYTES32_SYMBOL_ABI = parseAbi(["function symbol() view returns (bytes32)"]);
const PRINTABLE_SYMBOL = /^[\x21-\x7e][\x20-\x7e]{0,31}$/;
/** Node refusals that say "not now" rather than "never" (geth, anvil, reth wording). */
const NOT_NOW = /less than (the )?(block )?base fee|underpriced|fee cap.*(below|less than)/i;
/** What a plain value transfer to an account without code costs, always. */
const PLAIN_TRANSFER_GAS = 21_000n;

export interface EvmAdapterOptions {
  client: PublicClient;
  description: ChainDescription;
  /** The chain's numeric id (EIP-155), signed into every transaction. */
  chainId: number;
  pollIntervalMs: number;
  /** Dev nodes only: funds addresses from the node's own accounts. */
  faucet: AnvilFaucet | null;
}

/**
 * The ChainAdapter for one EVM chain, over JSON-RPC with viem. Native coin and ERC-20 tokens; EIP-1559
 * transactions signed by the vault's secp256k1 keys; nonces handed out here per sender (so a burst of
 * payments from one account takes consecutive nonces without a round trip each). Every read is made
 * through a batching transport: the calls one operation makes at once travel in one HTTP request.
 *
 * EVM transactions do not expire (validUntilHeight is null): a transaction the node forgot is sent
 * again as the same bytes, and one whose nonce another transaction used can never land (REJECTED).
 */
export class EvmAdapter implements ChainAdapter {
  readonly keyScheme: KeyScheme = "secp256k1";
  readonly description: ChainDescription;
  readonly #client: PublicClient;
  readonly #chainId: number;
  readonly #pollIntervalMs: number;
  readonly #faucet: AnvilFaucet | null;
  readonly #nonces: NonceCache;
  readonly #fees: Eip1559FeeEstimator;
  // Token contracts never change symbol or decimals: looked up once (a refusal is not kept).
  readonly #tokens = new SharedReads<string, AssetInfo>();
  readonly #watches = new OpenWatches();
  #closed = false;

  constructor(options: EvmAdapterOptions) {
    this.#client = options.client;
    this.description = options.description;
    this.#chainId = options.chainId;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#faucet = options.faucet;
    this.#fees = new Eip1559FeeEstimator(options.client);
    this.#nonces = new NonceCache((address) =>
      this.#client.getTransactionCount({ address: address as Hex, blockTag: "pending" }).then(BigInt),
    );
  }

  get #id(): string {
    return this.description.id;
  }

  normalizeAddress(address: string): string {
    return normalizeEvmAddress(address);
  }

  addressOf(publicKey: Uint8Array): string {
    return evmAddressOf(publicKey);
  }

  async resolveAsset(ref: AssetRef): Promise<AssetInfo> {
    if (ref.kind === "NATIVE") return this.description.nativeAsset;
    return this.#tokenInfo(this.#normalizeToken(ref.address));
  }

  async getBalances(queries: readonly BalanceQuery[]): Promise<bigint[]> {
    if (queries.length === 0) return [];
    const reads = queries.map(({ address, asset }) => {
      const holder = this.normalizeAddress(address) as Hex;
      const token = this.#tokenAddress(asset);
      return token === null
        ? () => this.#client.getBalance({ address: holder })
        : () =>
            this.#client.readContract({
              address: token,
              abi: erc20Abi,
              functionName: "balanceOf",
              args: [holder],
            });
    });
    // Issued together, so the batching transport sends them as one JSON-RPC batch: one round trip.
    try {
      return await Promise.all(reads.map((read) => read()));
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "read balances");
    }
  }

  async head(): Promise<ChainHead> {
    try {
      const block = await this.#client.getBlock({ blockTag: "latest" });
      return { height: block.number, hash: block.hash, timestamp: block.timestamp * 1000n };
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "read the head block");
    }
  }

  async prepareTransfer(request: TransferRequest): Promise<PreparedTransaction> {
    this.#checkOpen();
    const from = this.#senderOf(request.from);
    const to = this.normalizeAddress(request.to) as Hex;
    const { amount } = request;
    if (amount <= 0n || amount > MAX_UINT256) {
      throw new AdapterError(
        "BAD_AMOUNT",
        "A transfer moves more than zero and at most 2^256 − 1 base units.",
      );
    }
    const memoBytes = Buffer.byteLength(request.memo ?? "", "utf8");
    if (memoBytes > this.description.capabilities.maxMemoBytes) {
      throw new AdapterError(
        "MEMO_TOO_LONG",
        `The memo is ${memoBytes} bytes; transfers on ${this.#id} carry no memo (the gateway keeps it with the payment for you, but the chain does not carry it to the receiver).`,
      );
    }
    const token = this.#tokenAddress(request.asset);
    const asset = token === null ? this.description.nativeAsset : await this.#tokenInfo(token);
    const call =
      token === null
        ? { to, value: amount, data: undefined }
        : {
            to: token,
            value: 0n,
            data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, amount] }),
          };

    // Balances, fees and the gas the call needs, in one round trip; checked before a nonce is taken,
    // so a refused transfer leaves no gap.
    let reading: [bigint, bigint, Eip1559Fees, bigint | Error];
    try {
      reading = await Promise.all([
        this.#client.getBalance({ address: from }),
        token === null
          ? 0n
          : this.#client.readContract({
              address: token,
              abi: erc20Abi,
              functionName: "balanceOf",
              args: [from],
            }),
        this.#fees.current(),
        // A failed estimate (the call would revert) is judged below, after the balances.
        this.#client
          .estimateGas({ account: from, ...call })
          .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ]);
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "read the sender's balance and the fees");
    }
    const [native, tokens, fees, gasEstimate] = reading;
    const coin = this.description.nativeAsset;
    if (token !== null && tokens < amount) {
      throw new AdapterError(
        "INSUFFICIENT_FUNDS",
        `${from} holds ${units(tokens, asset)}; the transfer needs ${units(amount, asset)}.`,
      );
    }
    if (gasEstimate instanceof Error) {
      if (isUnreachable(gasEstimate)) throw toEvmAdapterError(gasEstimate, this.#id, "estimate the gas");
      const spendable = token === null ? native : tokens;
      if (spendable < amount) {
        throw new AdapterError(
          "INSUFFICIENT_FUNDS",
          `${from} holds ${units(spendable, asset)}; the transfer needs ${units(amount, asset)} and gas.`,
        );
      }
      const reason = rpcErrorMessage(gasEstimate) ?? gasEstimate.message;
      throw new AdapterError("REJECTED", `${this.#id} would not carry out this transfer: ${reason}.`, {
        cause: gasEstimate,
      });
    }
    // A contract's gas use can move with its state between now and inclusion: a quarter of headroom
    // (unused gas is not charged). A plain transfer costs exactly 21,000.
    const gasLimit = gasEstimate === PLAIN_TRANSFER_GAS ? gasEstimate : (gasEstimate * 5n) / 4n;
    const maxFee = gasLimit * fees.maxFeePerGas;
    const needed = (token === null ? amount : 0n) + maxFee;
    if (native < needed) {
      throw new AdapterError(
        "INSUFFICIENT_FUNDS",
        token === null
          ? `${from} holds ${units(native, coin)}; the transfer needs ${units(amount, coin)} and up to ${units(maxFee, coin)} in fees.`
          : `${from} holds ${units(native, coin)}; the fee for this ${asset.symbol} transfer may be up to ${units(maxFee, coin)}.`,
      );
    }

    const nonce = await this.#nonces.reserve(from).catch((error: unknown) => {
      throw toEvmAdapterError(error, this.#id, "read the sender's nonce");
    });
    try {
      const { raw, hash } = await signEvmTransaction(
        {
          type: "eip1559",
          chainId: this.#chainId,
          nonce: Number(nonce),
          to: call.to,
          value: call.value,
          ...(call.data === undefined ? {} : { data: call.data }),
          gas: gasLimit,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        },
        request.from,
      );
      // The fee is gas used × the price the block sets: known once included (getTransactionStatus).
      return { hash, raw: hexToBytes(raw), nonce, validUntilHeight: null, fee: null };
    } catch (error) {
      // The nonce is taken but nothing signed with it: the next transfer reads it from the chain.
      this.#nonces.reset(from);
      throw error;
    }
  }

  async broadcast(prepared: PreparedTransaction): Promise<void> {
    const raw = toHex(prepared.raw);
    try {
      await this.#client.request({ method: "eth_sendRawTransaction", params: [raw] });
      return;
    } catch (error) {
      // Unreachable: the bytes may or may not have arrived. They stay stored; the tracker sends them again.
      if (isUnreachable(error)) throw toEvmAdapterError(error, this.#id, "broadcast the transaction");
      // Idempotent: whatever the refusal ("already known", "nonce too low" once mined), bytes the chain has are sent.
      if (await this.#knows(prepared.hash)) return;
      // "Not now": the fee cap is below the base fee, or another transaction holds the nonce in the
      // mempool. The bytes can still land later: they stay stored and the tracker sends them again.
      const refusal = rpcErrorMessage(error) ?? "";
      if (NOT_NOW.test(refusal)) {
        throw new AdapterError(
          "UNAVAILABLE",
          `${this.#id} will not take the transaction now (${refusal}); it is kept and sent again until the chain takes it or its nonce is used.`,
          { cause: error },
        );
      }
      const sender = await recoverTransactionAddress({ serializedTransaction: raw as never }).catch(
        () => null,
      );
      if (sender !== null) this.#nonces.reset(sender);
      throw toEvmAdapterError(error, this.#id, "accept the transaction", { refusalsAreRejected: true });
    }
  }

  async getTransactionStatus(hash: string): Promise<TransactionStatus> {
    if (!HASH.test(hash)) return { state: "UNKNOWN" };
    const wanted = hash.toLowerCase() as Hex;
    try {
      // The receipt first: an included transaction (the common question) costs one call.
      const receipt = await this.#client.request({ method: "eth_getTransactionReceipt", params: [wanted] });
      if (receipt) {
        const height = BigInt(receipt.blockNumber);
        if (receipt.status !== "0x1") return { state: "FAILED", height, reason: revertedMessage(height) };
        return { state: "INCLUDED", height, blockHash: receipt.blockHash, fee: feeOf(receipt) };
      }
      const transaction = await this.#client.request({
        method: "eth_getTransactionByHash",
        params: [wanted],
      });
      if (!transaction) return { state: "UNKNOWN" };
      // Mined between the two reads: the next look finds its receipt.
      if (transaction.blockNumber !== null) return { state: "PENDING" };
      const stuck = await this.#whyNotIncluded(transaction);
      return stuck === null ? { state: "PENDING" } : { state: "PENDING", stuck };
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "look the transaction up");
    }
  }

  /**
   * Why a transaction the node holds cannot be mined as things stand, or null when it can: an earlier
   * nonce of its sender the node does not have (it waits behind the gap), or a fee cap below the
   * base fee (it waits for the base fee to fall).
   */
  async #whyNotIncluded(transaction: RpcTransaction): Promise<string | null> {
    const from = transaction.from;
    const nonce = BigInt(transaction.nonce);
    const [ready, latest] = await Promise.all([
      this.#client.getTransactionCount({ address: from, blockTag: "pending" }).then(BigInt),
      this.#client.getBlock({ blockTag: "latest" }),
    ]);
    if (nonce > ready) {
      return `it has nonce ${nonce} and waits for nonce ${ready} of ${normalizeEvmAddress(from)}, which the node does not have`;
    }
    const feeCap = transaction.maxFeePerGas ?? transaction.gasPrice;
    const baseFee = latest.baseFeePerGas;
    if (feeCap !== undefined && baseFee !== null && BigInt(feeCap) < baseFee) {
      return `its fee cap of ${formatBaseUnits(BigInt(feeCap), 9)} gwei per gas is below the base fee of ${formatBaseUnits(baseFee, 9)} gwei`;
    }
    return null;
  }

  resetNonce(address: string): void {
    this.#nonces.reset(this.normalizeAddress(address));
  }

  async watch(parameters: WatchParameters): Promise<() => Promise<void>> {
    this.#checkOpen();
    let stop: () => Promise<void>;
    try {
      stop = await watchPolledBlocks({
        ...parameters,
        pollIntervalMs: this.#pollIntervalMs,
        source: {
          latest: async () => {
            const block = await this.#client.getBlock({ blockTag: "latest" });
            return { height: block.number, hash: block.hash };
          },
          hashAt: async (height) => (await this.#block(height, false))?.hash ?? null,
          observe: (height) => this.#observe(height),
        },
      });
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "watch blocks");
    }
    return this.#watches.track(stop);
  }

  async faucet(address: string, asset: AssetInfo, amount: bigint): Promise<{ hash: string }> {
    if (this.#faucet === null) {
      throw new AdapterError("UNSUPPORTED", `${this.#id} has no faucet: it is not a dev node.`);
    }
    const to = this.normalizeAddress(address) as Hex;
    if (amount <= 0n || amount > MAX_UINT256) {
      throw new AdapterError(
        "BAD_AMOUNT",
        "The faucet gives more than zero and at most 2^256 − 1 base units.",
      );
    }
    const token = this.#tokenAddress(asset);
    const info = token === null ? this.description.nativeAsset : await this.#tokenInfo(token);
    try {
      return await this.#faucet.fund(to, token, amount, info);
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "fund the address from the faucet");
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watches.stopAll();
  }

  #checkOpen(): void {
    if (this.#closed) throw new AdapterError("UNAVAILABLE", `The ${this.#id} adapter is closed.`);
  }

  /** The sender's address, checked against its key: a signer lent for another key is a bug, not input. */
  #senderOf(signer: Signer): Hex {
    if (signer.scheme !== "secp256k1") throw new Error(`EVM keys are secp256k1, not ${signer.scheme}`);
    const address = evmAddressOf(signer.publicKey);
    if (signer.address !== address) {
      throw new Error(`the signer says it is ${signer.address} but its public key is ${address}`);
    }
    return address as Hex;
  }

  /** The contract address of a token asset of this chain, null for the native coin. */
  #tokenAddress(asset: AssetInfo): Hex | null {
    if (asset.chainId !== this.#id) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${asset.id} is an asset of ${asset.chainId}, not of ${this.#id}.`,
      );
    }
    if (asset.kind === "NATIVE") return null;
    if (!asset.address) throw new AdapterError("UNKNOWN_ASSET", `${asset.id} names no token contract.`);
    return this.#normalizeToken(asset.address);
  }

  #normalizeToken(address: string): Hex {
    try {
      return normalizeEvmAddress(address) as Hex;
    } catch (error) {
      if (!(error instanceof AdapterError)) throw error;
      throw new AdapterError("UNKNOWN_ASSET", `A token is named by its contract address: ${error.message}`);
    }
  }

  /** Symbol and decimals of the ERC-20 at `address` (one round trip), or UNKNOWN_ASSET. */
  #tokenInfo(address: Hex): Promise<AssetInfo> {
    return this.#tokens.get(address, () => this.#readTokenInfo(address));
  }

  async #readTokenInfo(address: Hex): Promise<AssetInfo> {
    let code: Hex | undefined;
    let symbol: string | null;
    let decimals: number | null;
    try {
      [code, symbol, decimals] = await Promise.all([
        this.#client.getCode({ address }),
        this.#readSymbol(address),
        orNullWhenRefused(this.#client.readContract({ address, abi: erc20Abi, functionName: "decimals" })),
      ]);
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, `look the token ${address} up`);
    }
    if (code === undefined || code === "0x") {
      throw new AdapterError("UNKNOWN_ASSET", `${this.#id} has no contract at ${address}: no token there.`);
    }
    if (symbol === null || decimals === null || decimals > 77) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${address} on ${this.#id} is not an ERC-20 token contract: it does not answer symbol() and decimals().`,
      );
    }
    return { id: `${this.#id}/${address}`, chainId: this.#id, kind: "TOKEN", symbol, decimals, address };
  }

  /** symbol() as a string, or as bytes32 as older tokens (MKR, …) return it; null when neither answers. */
  async #readSymbol(address: Hex): Promise<string | null> {
    const text = await orNullWhenRefused(
      this.#client.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
    );
    if (text !== null) return text;
    const word = await orNullWhenRefused(
      this.#client.readContract({ address, abi: BYTES32_SYMBOL_ABI, functionName: "symbol" }),
    );
    const decoded = word === null ? "" : hexToString(word, { size: 32 }).replace(/\0+$/, "");
    return PRINTABLE_SYMBOL.test(decoded) ? decoded : null;
  }

  async #knows(hash: string): Promise<boolean> {
    try {
      return (
        (await this.#client.request({ method: "eth_getTransactionByHash", params: [hash as Hex] })) !== null
      );
    } catch (error) {
      throw toEvmAdapterError(error, this.#id, "look the transaction up");
    }
  }

  async #block(height: bigint, includeTransactions: boolean) {
    try {
      return await this.#client.getBlock({ blockNumber: height, includeTransactions });
    } catch (error) {
      if (error instanceof BlockNotFoundError) return null;
      throw error;
    }
  }

  /**
   * The block at `height` with what the gateway follows: every transaction hash, the ones that
   * reverted, native value sent by transactions (not value moved inside contract calls), and ERC-20
   * Transfer logs. Block and receipts are read in one round trip.
   */
  async #observe(height: bigint): Promise<ObservedBlock | null> {
    const [block, receipts] = await Promise.all([
      this.#client.getBlock({ blockNumber: height, includeTransactions: true }).catch((error: unknown) => {
        if (error instanceof BlockNotFoundError) return null;
        throw error;
      }),
      this.#client
        .request({ method: "eth_getBlockReceipts", params: [toHex(height)] })
        .then((list) => list as RpcTransactionReceipt[] | null),
    ]);
    if (block === null || receipts === null) return null;
    const receiptOf = new Map(receipts.map((receipt) => [receipt.transactionHash.toLowerCase(), receipt]));
    const failed = new Map<string, string>();
    const transfers: ObservedTransfer[] = [];
    for (const tx of block.transactions) {
      const hash = tx.hash.toLowerCase();
      const receipt = receiptOf.get(hash);
      // Receipts are of the same block as the transactions, unless a reorg came between the two reads.
      if (!receipt || receipt.blockHash !== block.hash) return null;
      if (receipt.status !== "0x1") {
        failed.set(hash, revertedMessage(height));
        continue;
      }
      if (tx.to && tx.value > 0n) {
        transfers.push({
          txHash: hash,
          index: transfers.length,
          from: normalizeEvmAddress(tx.from),
          to: normalizeEvmAddress(tx.to),
          asset: this.description.nativeAsset,
          amount: tx.value,
          memo: null,
        });
      }
      for (const log of receipt.logs) {
        const [topic, fromTopic, toTopic] = log.topics;
        if (
          topic !== TRANSFER_TOPIC ||
          log.topics.length !== 3 ||
          !fromTopic ||
          !toTopic ||
          log.data.length !== 66
        )
          continue;
        const asset = await this.#tokenInfo(normalizeEvmAddress(log.address) as Hex).catch(
          (error: unknown) => {
            if (error instanceof AdapterError && error.code === "UNKNOWN_ASSET") return null; // not an ERC-20 after all
            throw error;
          },
        );
        if (asset === null) continue;
        transfers.push({
          txHash: hash,
          index: transfers.length,
          from: normalizeEvmAddress(`0x${fromTopic.slice(26)}`),
          to: normalizeEvmAddress(`0x${toTopic.slice(26)}`),
          asset,
          amount: BigInt(log.data),
          memo: null,
        });
      }
    }
    return {
      height: block.number,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: block.timestamp * 1000n,
      transactionHashes: block.transactions.map((tx) => tx.hash.toLowerCase()),
      failed,
      transfers,
    };
  }
}

/** A contract call's answer, or null when the contract refused it (reverted, or answered no such thing); an unreachable node still throws. */
async function orNullWhenRefused<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (isUnreachable(error)) throw error;
    return null;
  }
}

function feeOf(receipt: RpcTransactionReceipt): bigint {
  return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
}

const revertedMessage = (height: bigint) =>
  `The transaction reverted in block ${height}: the chain took the fee and moved nothing.`;

function hexToBytes(hex: Hex): Uint8Array {
  return Buffer.from(hex.slice(2), "hex");
}
