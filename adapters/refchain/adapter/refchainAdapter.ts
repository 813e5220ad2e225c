import { formatAssetUnits } from "../../formatBaseUnits.ts";
import { NonceCache } from "../../nonceCache.ts";
import { OpenWatches } from "../../openWatches.ts";
import {
  AdapterError,
  type AssetInfo,
  type AssetRef,
  type BalanceQuery,
  type ChainAdapter,
  type ChainDescription,
  type ChainHead,
  type IssueAssetRequest,
  type KeyScheme,
  type ObservedBlock,
  type ObservedTransfer,
  type PreparedTransaction,
  type Signer,
  type TransactionStatus,
  type TransferRequest,
  type WatchParameters,
} from "../../types.ts";
import { encodeAddress } from "../chain/address.ts";
import { RefchainError } from "../chain/errors.ts";
import { type Asset, NATIVE_ASSET as NATIVE } from "../chain/state.ts";
import {
  attachSignature,
  decodeTransaction,
  MAX_AMOUNT,
  signingRequest,
  type TxPayload,
} from "../chain/transaction.ts";
import type { RefchainClient } from "../client/refchainClient.ts";
import type { BlockWithTransactions, ChainInfo, IncludedTransaction } from "../client/refchainTypes.ts";
import { normalizeRefchainAddress } from "./normalizeRefchainAddress.ts";
import { toAdapterError } from "./toAdapterError.ts";
import { watchBlocks } from "./watchBlocks.ts";

/** Blocks a prepared transaction stays valid for: at 200 ms a block, two minutes to be broadcast and land. */
const EXPIRY_MARGIN = 600n;
/** How old a head height may be when it only sets an expiry (EXPIRY_MARGIN blocks is minutes). */
const HEAD_CACHE_MS = 1_000;
/** How long broadcast waits for a lower nonce of the same sender to arrive before it gives up on a gap. */
const NONCE_GAP_PATIENCE_MS = 10_000;
const HASH = /^[0-9a-f]{64}$/;
const ASSET_ID = /^[^/\s]{1,100}\/[A-Z][A-Z0-9]{0,11}$/;
const SYMBOL = /^[A-Z][A-Z0-9]{0,11}$/;

export interface RefchainAdapterOptions {
  /** Runs on close after the client is closed: the embedded node closes here. */
  onClose?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The ChainAdapter for refchain, over a RefchainClient (in-process or JSON-RPC: the same either way).
 * Native REF and every issued asset (`<subnet>/<SYMBOL>`) move with the same transfer; there are no
 * fees; nonces are handed out here per sender so concurrent transfers need no round trip each.
 */
export class RefchainAdapter implements ChainAdapter {
  readonly keyScheme: KeyScheme = "ed25519";
  readonly #client: RefchainClient;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #nonces: NonceCache;
  // Assets never change symbol or decimals: looked up once.
  readonly #tokens = new Map<string, AssetInfo>();
  #headCache: { height: bigint; at: number } | null = null;
  readonly #watches = new OpenWatches();
  #closed = false;

  private constructor(
    client: RefchainClient,
    readonly description: ChainDescription,
    options: RefchainAdapterOptions,
  ) {
    this.#client = client;
    this.#onClose = options.onClose;
    this.#nonces = new NonceCache(async (address) => (await client.getNonce(address)).pending);
  }

  /** Reads the chain's description from the node and builds the adapter. */
  static async connect(
    client: RefchainClient,
    options: RefchainAdapterOptions = {},
  ): Promise<RefchainAdapter> {
    const info = await client.chainInfo();
    return new RefchainAdapter(client, describeChain(info), options);
  }

  get #chainId(): string {
    return this.description.id;
  }

  normalizeAddress(address: string): string {
    return normalizeRefchainAddress(address);
  }

  addressOf(publicKey: Uint8Array): string {
    return encodeAddress(publicKey);
  }

  async resolveAsset(ref: AssetRef): Promise<AssetInfo> {
    if (ref.kind === "NATIVE") return this.description.nativeAsset;
    return this.#assetInfo(ref.address);
  }

  async getBalances(queries: readonly BalanceQuery[]): Promise<bigint[]> {
    if (queries.length === 0) return [];
    // The node checks every address itself (a bad one is refused as INVALID_ADDRESS): checking the
    // checksums here too would double the cost of the hottest read.
    const wire = queries.map(({ address, asset }) => ({ address, asset: this.#assetId(asset) }));
    try {
      return await this.#client.getBalances(wire);
    } catch (error) {
      // Refused for an address: say which one and what is wrong with it, as normalizeAddress does.
      if (error instanceof RefchainError && error.reason === "BAD_ADDRESS") {
        for (const { address } of queries) this.normalizeAddress(address);
      }
      throw toAdapterError(error, "read balances");
    }
  }

  async head(): Promise<ChainHead> {
    try {
      const { height, hash, timestamp } = await this.#client.head();
      return { height, hash, timestamp };
    } catch (error) {
      throw toAdapterError(error, "read the head block");
    }
  }

  async prepareTransfer(request: TransferRequest): Promise<PreparedTransaction> {
    const from = this.#senderOf(request.from);
    const to = this.normalizeAddress(request.to);
    const { amount } = request;
    if (amount <= 0n || amount > MAX_AMOUNT) {
      throw new AdapterError(
        "BAD_AMOUNT",
        "A transfer moves more than zero and at most 2^128 − 1 base units.",
      );
    }
    const memo = request.memo ?? "";
    const memoBytes = Buffer.byteLength(memo, "utf8");
    const { maxMemoBytes } = this.description.capabilities;
    if (memoBytes > maxMemoBytes) {
      throw new AdapterError(
        "MEMO_TOO_LONG",
        `The memo is ${memoBytes} bytes of UTF-8; refchain carries at most ${maxMemoBytes}.`,
      );
    }
    const assetId = this.#assetId(request.asset);
    const asset = await this.#assetInfo(assetId);
    // Checked before a nonce is taken: a refused transfer must not leave a gap. The head (for the
    // expiry) is read alongside.
    let have: bigint;
    let height: bigint;
    try {
      const [balances, headHeight] = await Promise.all([
        this.#client.getBalances([{ address: from, asset: assetId }]),
        this.#recentHeadHeight(),
      ]);
      have = balances[0] ?? 0n;
      height = headHeight;
    } catch (error) {
      throw toAdapterError(error, "read the sender's balance");
    }
    if (have < amount) {
      throw new AdapterError(
        "INSUFFICIENT_FUNDS",
        `${from} holds ${formatAssetUnits(have, asset)}; the transfer needs ${formatAssetUnits(amount, asset)}.`,
      );
    }
    return this.#sign(request.from, from, { kind: "transfer", asset: assetId, to, amount, memo }, height);
  }

  /**
   * The head's height as of at most HEAD_CACHE_MS ago: enough for an expiry EXPIRY_MARGIN blocks
   * ahead, and one read a second instead of one per transfer.
   */
  async #recentHeadHeight(): Promise<bigint> {
    const now = Date.now();
    if (this.#headCache && now - this.#headCache.at < HEAD_CACHE_MS) return this.#headCache.height;
    const { height } = await this.#client.head();
    this.#headCache = { height, at: now };
    return height;
  }

  async broadcast(prepared: PreparedTransaction): Promise<void> {
    let from: string;
    let nonce: bigint;
    try {
      ({ from, nonce } = decodeTransaction(prepared.raw));
    } catch (error) {
      throw toAdapterError(error, "read the transaction bytes", { refusalsAreRejected: true });
    }
    const deadline = Date.now() + NONCE_GAP_PATIENCE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.sendTransaction(prepared.raw);
        return;
      } catch (error) {
        if (!(error instanceof RefchainError)) throw toAdapterError(error, "broadcast the transaction");
        // Idempotent: whatever the refusal (NONCE_USED, EXPIRED, …), bytes the chain already has are sent.
        if (await this.#knows(prepared.hash)) return;
        // Prepared together, sent apart (the gateway stores each before sending): a lower nonce of the
        // same sender may still be on its way. Wait for it a while rather than fail a good transaction.
        if (error.reason === "NONCE_GAP" && Date.now() < deadline && (await this.#stillAhead(from, nonce))) {
          await sleep(Math.min(10 * 2 ** attempt, 250));
          continue;
        }
        if (error.reason !== "MEMPOOL_FULL") this.#nonces.reset(from);
        throw toAdapterError(error, "accept the transaction", { refusalsAreRejected: true });
      }
    }
  }

  async getTransactionStatus(hash: string): Promise<TransactionStatus> {
    const normalized = hash.toLowerCase();
    if (!HASH.test(normalized)) return { state: "UNKNOWN" };
    try {
      const tx = await this.#client.getTransaction(normalized);
      if (!tx) return { state: "UNKNOWN" };
      if (tx.status === "pending") return { state: "PENDING" };
      return { state: "INCLUDED", height: tx.height, blockHash: tx.blockHash, fee: 0n };
    } catch (error) {
      throw toAdapterError(error, "look the transaction up");
    }
  }

  resetNonce(address: string): void {
    this.#nonces.reset(address);
  }

  async watch(parameters: WatchParameters): Promise<() => Promise<void>> {
    this.#checkOpen();
    let stop: () => Promise<void>;
    try {
      stop = await watchBlocks({
        ...parameters,
        client: this.#client,
        observe: (block) => this.#observe(block),
      });
    } catch (error) {
      throw toAdapterError(error, "watch blocks");
    }
    return this.#watches.track(stop);
  }

  /** Dev chains: the node's faucet sends native REF. */
  async faucet(address: string, asset: AssetInfo, amount: bigint): Promise<{ hash: string }> {
    if (!this.description.capabilities.faucet) {
      throw new AdapterError("UNSUPPORTED", `${this.#chainId} has no faucet: it is not a dev chain.`);
    }
    if (this.#assetId(asset) !== NATIVE) {
      throw new AdapterError("UNSUPPORTED", `The refchain faucet gives ${NATIVE} only, not ${asset.symbol}.`);
    }
    const to = this.normalizeAddress(address);
    if (amount <= 0n) throw new AdapterError("BAD_AMOUNT", "The faucet gives more than zero base units.");
    try {
      const { hash } = await this.#client.requestFaucet(to, amount);
      await this.#client.waitForTransaction(hash);
      return { hash };
    } catch (error) {
      throw toAdapterError(error, "fund the address from the faucet");
    }
  }

  /** Registers a subnet named `name` owned by the issuer, then issues the asset in it with the whole supply to the issuer. */
  async issueAsset(request: IssueAssetRequest): Promise<AssetInfo> {
    const { name, symbol, decimals, supply } = request;
    const issuer = this.#senderOf(request.issuer);
    const nameBytes = Buffer.byteLength(name, "utf8");
    // Checked before anything is sent: a subnet registered for an asset that can never be issued is litter.
    if (nameBytes === 0 || nameBytes > 64) {
      throw new AdapterError(
        "REJECTED",
        `A refchain subnet name is 1 to 64 bytes of UTF-8; "${name}" is ${nameBytes}.`,
      );
    }
    if (!SYMBOL.test(symbol)) {
      throw new AdapterError(
        "REJECTED",
        `"${symbol}" is not a refchain asset symbol: 1 to 12 of A-Z and 0-9, starting with a letter.`,
      );
    }
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
      throw new AdapterError("BAD_AMOUNT", `A refchain asset has 0 to 18 decimals, not ${decimals}.`);
    }
    if (supply <= 0n || supply > MAX_AMOUNT) {
      throw new AdapterError("BAD_AMOUNT", "The supply is more than zero and at most 2^128 − 1 base units.");
    }
    const registered = await this.#sendAndWait(request.issuer, issuer, { kind: "registerSubnet", name });
    const event = registered.receipt.events.find((e) => e.type === "SubnetRegistered");
    if (event?.type !== "SubnetRegistered") throw new Error(`${registered.hash} registered no subnet`);
    await this.#sendAndWait(request.issuer, issuer, {
      kind: "issueAsset",
      subnet: event.subnet,
      symbol,
      decimals,
      supply,
      to: issuer,
    });
    return this.#assetInfo(`${event.subnet}/${symbol}`);
  }

  /** Stops every watch, then the client, then (embedded) the node. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watches.stopAll();
    await this.#client.close();
    await this.#onClose?.();
  }

  #checkOpen(): void {
    if (this.#closed) throw new AdapterError("UNAVAILABLE", `The ${this.#chainId} adapter is closed.`);
  }

  /** The sender's address, checked against its key: a signer lent for another key is a bug, not input. */
  #senderOf(signer: Signer): string {
    if (signer.scheme !== "ed25519") throw new Error(`refchain keys are ed25519, not ${signer.scheme}`);
    const address = encodeAddress(signer.publicKey);
    if (signer.address !== address) {
      throw new Error(`the signer says it is ${signer.address} but its public key is ${address}`);
    }
    return address;
  }

  /** Signs `payload` from `from` with its next nonce and an expiry EXPIRY_MARGIN blocks past `height` (the head). */
  async #sign(
    signer: Signer,
    from: string,
    payload: TxPayload,
    height: bigint,
  ): Promise<PreparedTransaction> {
    const nonce = await this.#nonces.reserve(from).catch((error: unknown) => {
      throw toAdapterError(error, "read the sender's nonce");
    });
    const expiry = height + EXPIRY_MARGIN;
    const request = signingRequest({ chainId: this.#chainId, from, nonce, expiry, payload });
    let signature: Uint8Array;
    try {
      signature = await signer.sign(request.message);
    } catch (error) {
      // The nonce is taken but nothing signed with it: the next transfer re-reads it from the chain.
      this.#nonces.reset(from);
      throw error;
    }
    const tx = attachSignature(request, signature);
    // refchain charges no fees: known before inclusion.
    return { hash: tx.hash, raw: tx.raw, nonce, validUntilHeight: expiry, fee: 0n };
  }

  async #sendAndWait(signer: Signer, from: string, payload: TxPayload): Promise<IncludedTransaction> {
    const prepared = await this.#sign(signer, from, payload, (await this.head()).height);
    await this.broadcast(prepared);
    try {
      return await this.#client.waitForTransaction(prepared.hash);
    } catch (error) {
      throw toAdapterError(error, `wait for the ${payload.kind} transaction`);
    }
  }

  async #knows(hash: string): Promise<boolean> {
    try {
      return (await this.#client.getTransaction(hash)) !== null;
    } catch (error) {
      throw toAdapterError(error, "look the transaction up");
    }
  }

  /** Whether the chain still waits for a lower nonce of `from` than `nonce`. */
  async #stillAhead(from: string, nonce: bigint): Promise<boolean> {
    try {
      return (await this.#client.getNonce(from)).pending < nonce;
    } catch (error) {
      throw toAdapterError(error, "read the sender's nonce");
    }
  }

  /** The chain's id of an asset the gateway names: REF, or `<subnet>/<SYMBOL>`. */
  #assetId(asset: AssetInfo): string {
    if (asset.chainId !== this.#chainId) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${asset.id} is an asset of ${asset.chainId}, not of ${this.#chainId}.`,
      );
    }
    if (asset.kind === "NATIVE") return NATIVE;
    if (!asset.address) throw new AdapterError("UNKNOWN_ASSET", `${asset.id} names no refchain asset.`);
    return asset.address;
  }

  /** Describes the asset the chain knows by `id`, or UNKNOWN_ASSET. */
  async #assetInfo(id: string): Promise<AssetInfo> {
    if (id === NATIVE) return this.description.nativeAsset;
    const known = this.#tokens.get(id);
    if (known) return known;
    if (!ASSET_ID.test(id)) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `"${id}" is not a refchain asset id: one looks like <subnet>/<SYMBOL>, e.g. s0123456789abcdef/ACME.`,
      );
    }
    let asset: Asset | null;
    try {
      asset = await this.#client.getAsset(id);
    } catch (error) {
      throw toAdapterError(error, `look the asset ${id} up`);
    }
    if (!asset) throw new AdapterError("UNKNOWN_ASSET", `${this.#chainId} has no asset "${id}".`);
    const info: AssetInfo = {
      id: `${this.#chainId}/${asset.id}`,
      chainId: this.#chainId,
      kind: "TOKEN",
      symbol: asset.symbol,
      decimals: asset.decimals,
      address: asset.id,
    };
    this.#tokens.set(id, info);
    return info;
  }

  async #observe(block: BlockWithTransactions): Promise<ObservedBlock> {
    const transfers: ObservedTransfer[] = [];
    for (const tx of block.transactions) {
      for (const event of tx.events) {
        if (event.type !== "Transfer") continue;
        transfers.push({
          txHash: tx.hash,
          index: transfers.length,
          from: event.from,
          to: event.to,
          asset: await this.#assetInfo(event.asset),
          amount: event.amount,
          memo: event.memo === "" ? null : event.memo,
        });
      }
    }
    const { header } = block;
    return {
      height: header.height,
      hash: header.hash,
      parentHash: header.parentHash,
      timestamp: header.timestamp,
      transactionHashes: block.transactions.map((tx) => tx.hash),
      // Admission refuses a transaction that would fail: every included one succeeded.
      failed: new Map(),
      transfers,
    };
  }
}

function describeChain(info: ChainInfo): ChainDescription {
  const reference = info.chainId.slice(info.chainId.indexOf(":") + 1);
  return {
    id: info.chainId,
    kind: "REFCHAIN",
    name: `refchain (${reference})`,
    nativeAsset: {
      id: `${info.chainId}/native`,
      chainId: info.chainId,
      kind: "NATIVE",
      symbol: info.nativeAsset,
      decimals: info.nativeDecimals,
      address: null,
    },
    capabilities: {
      faucet: info.faucetEnabled,
      issueAsset: true,
      maxMemoBytes: info.maxMemoBytes,
      reorgs: false,
      // One producer signs every block and never replaces one: a transfer is final once included.
      finalityDepth: 1,
      minimumBalance: 0n,
    },
  };
}
