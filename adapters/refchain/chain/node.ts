import { encodeHeader, type SealedBlockHeader, sealHeader } from "./block.ts";
import { BlockWriter } from "./blockWriter.ts";
import { DataDirLock } from "./dataDirLock.ts";
import { RefchainError, reject } from "./errors.ts";
import { type ChainEvent, type ExecutionContext, execute } from "./execute.ts";
import { type GenesisConfig, genesisWrites, sealGenesis } from "./genesis.ts";
import { merkleRoot } from "./merkle.ts";
import { loadOrCreateNodeKeys, type NodeKeys } from "./nodeKeys.ts";
import { decodeReceipt, encodeReceipt, type Receipt } from "./receipt.ts";
import { SignatureVerifier } from "./signatureVerifier.ts";
import {
  type Asset,
  assetKey,
  balanceKey,
  commitState,
  type LeafValue,
  nonceKey,
  type Subnet,
  subnetKey,
} from "./state.ts";
import { type BlockWrite, ChainStore } from "./storage.ts";
import { checkStateless, decodeTransaction, signTransaction, type Transaction } from "./transaction.ts";

export interface RefchainNodeOptions {
  dataDir: string;
  /** CAIP-2 chain id, fixed at genesis. Default "refchain:local". */
  chainId?: string;
  /** A block every blockTimeMs (empty ones too, so confirmations advance); 0 = a block as soon as there is a transaction. Default 200. */
  blockTimeMs?: number;
  maxTxPerBlock?: number;
  /** Dev chain: the faucet gives REF to anyone who asks. Fixed at genesis. Default true. */
  dev?: boolean;
  /** Threads verifying signatures. Default: one per core. */
  verifierThreads?: number;
  /** Admitted transactions waiting for a block, at most. */
  maxMempool?: number;
}

/** A committed block as subscribers see it: the header and what each transaction did. */
export interface BlockEvent {
  header: SealedBlockHeader;
  transactions: { hash: string; from: string; nonce: bigint; events: ChainEvent[] }[];
}

export interface TransactionInfo {
  tx: Transaction;
  status: "pending" | "included";
  /** Set once included: the block is durable. */
  height?: bigint;
  index?: number;
  blockHash?: Uint8Array;
  receipt?: Receipt;
}

/** A decoded transaction waiting for its signature check, and the caller waiting for its admission. */
interface Arrival {
  tx: Transaction;
  resolve: (admitted: { hash: string }) => void;
  reject: (error: unknown) => void;
}

interface MempoolEntry {
  tx: Transaction;
  seq: number;
  writes: Map<string, LeafValue>;
  events: ChainEvent[];
}

/** A block sealed from the mempool, not yet durable. */
interface SealedBlock {
  header: SealedBlockHeader;
  entries: MempoolEntry[];
  writes: Map<string, LeafValue>;
  receipts: Receipt[];
  write: BlockWrite;
}

const DECIMALS = 9;
const NATIVE_SUPPLY = 1_000_000_000n * 10n ** BigInt(DECIMALS);
const FAUCET_MAX = 1_000_000n * 10n ** BigInt(DECIMALS);
// Arrivals go to the verifier in batches of at most this many (fewer if a tick brings fewer).
const ADMISSION_BATCH = 512;

/**
 * A refchain node: admits signed transactions, produces signed hash-chained blocks, and keeps them
 * durable in SQLite. State is held in memory twice: `committed` is what durable blocks say, and
 * `overlay` adds the effects of admitted transactions still waiting for a block. Admission checks
 * each transaction against committed+overlay, so a transaction in the mempool is already known to
 * succeed, and a block only has to be written. Reads answer from committed state: nothing is
 * reported before it is durable.
 */
export class RefchainNode {
  readonly chainId: string;
  readonly genesis: GenesisConfig;
  readonly blockTimeMs: number;
  readonly maxTxPerBlock: number;
  readonly #store: ChainStore;
  readonly #keys: NodeKeys;
  readonly #verifier: SignatureVerifier;
  readonly #committed: Map<string, LeafValue>;
  readonly #overlay = new Map<string, { value: LeafValue; seq: number }>();
  readonly #mempool: MempoolEntry[] = [];
  readonly #pendingByHash = new Map<string, MempoolEntry>();
  readonly #waiters = new Map<string, ((info: TransactionInfo) => void)[]>();
  readonly #lock: DataDirLock;
  readonly #listeners = new Set<(block: BlockEvent) => void>();
  readonly #maxMempool: number;
  #head: SealedBlockHeader;
  #seq = 0;
  // Admission runs in arrival order even though signatures are verified in parallel batches: each
  // batch is admitted after the one before it. Never rejects.
  #admissionTail: Promise<unknown> = Promise.resolve();
  #arrivals: Arrival[] = [];
  #arrivalsScheduled = false;
  readonly #faucetRules: ExecutionContext["faucet"];
  readonly #writer: BlockWriter;
  // The block the writer is making durable. Blocks are produced one at a time: the next is sealed
  // once this one is durable, and takes everything admitted meanwhile.
  #inFlight: SealedBlock | undefined;
  // A block was due (timer tick) while one was in flight: produce it as soon as that one is durable.
  #produceDue = false;
  #timer: NodeJS.Timeout | undefined;
  #produceScheduled = false;
  #closed = false;

  private constructor(
    store: ChainStore,
    keys: NodeKeys,
    genesis: GenesisConfig,
    options: RefchainNodeOptions,
    lock: DataDirLock,
  ) {
    this.#lock = lock;
    this.#store = store;
    this.#keys = keys;
    this.genesis = genesis;
    this.chainId = genesis.chainId;
    this.blockTimeMs = options.blockTimeMs ?? 200;
    this.maxTxPerBlock = options.maxTxPerBlock ?? 10_000;
    this.#maxMempool = options.maxMempool ?? 200_000;
    this.#verifier = new SignatureVerifier(options.verifierThreads);
    const { faucet } = genesis;
    this.#faucetRules = {
      address: faucet.address,
      enabled: faucet.enabled,
      maxPerRequest: BigInt(faucet.maxPerRequest),
    };
    this.#committed = store.loadState();
    const height = store.headHeight() as bigint;
    this.#head = store.blockByHeight(height) as SealedBlockHeader;
    this.#writer = new BlockWriter(store.dataDir);
    if (this.blockTimeMs > 0) this.#timer = setInterval(() => this.#produceInBackground(), this.blockTimeMs);
  }

  /** Opens the chain in dataDir, creating its genesis on first use. */
  static open(options: RefchainNodeOptions): RefchainNode {
    const lock = DataDirLock.acquire(options.dataDir);
    try {
      return RefchainNode.#openLocked(options, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  static #openLocked(options: RefchainNodeOptions, lock: DataDirLock): RefchainNode {
    const store = new ChainStore(options.dataDir);
    const keys = loadOrCreateNodeKeys(options.dataDir);
    let genesisText = store.getMeta("genesis");
    if (!genesisText) {
      const genesis: GenesisConfig = {
        chainId: options.chainId ?? "refchain:local",
        producer: keys.producer.address,
        faucet: {
          address: keys.faucet.address,
          enabled: options.dev ?? true,
          maxPerRequest: FAUCET_MAX.toString(),
        },
        nativeDecimals: DECIMALS,
        nativeSupply: NATIVE_SUPPLY.toString(),
        timestamp: Date.now().toString(),
      };
      const header = sealGenesis(genesis, keys.producer);
      store.db.transaction(() => {
        store.setMeta("genesis", JSON.stringify(genesis));
        store.commitBlock({
          header,
          encodedHeader: encodeHeader(header),
          txs: [],
          writes: genesisWrites(genesis),
        });
      })();
      genesisText = store.getMeta("genesis") as string;
    }
    const genesis = JSON.parse(genesisText) as GenesisConfig;
    if (options.chainId && options.chainId !== genesis.chainId) {
      store.close();
      throw new Error(`${options.dataDir} holds chain ${genesis.chainId}, not ${options.chainId}`);
    }
    return new RefchainNode(store, keys, genesis, options, lock);
  }

  get head(): SealedBlockHeader {
    return this.#head;
  }

  get faucetAddress(): string {
    return this.genesis.faucet.address;
  }

  get mempoolSize(): number {
    return this.#mempool.length;
  }

  /**
   * Admits a signed transaction: decodes it, checks shape, chain and signature, then executes it
   * against the pending state. Resolves with its hash once admitted (not yet included: see
   * waitForInclusion); rejects with a RefchainError naming the reason.
   */
  submit(raw: Uint8Array): Promise<{ hash: string }> {
    let tx: Transaction;
    try {
      if (this.#closed) reject("MEMPOOL_FULL", "the node is shutting down");
      tx = decodeTransaction(raw);
      checkStateless(tx, this.chainId);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#arrivals.push({ tx, resolve, reject });
      if (this.#arrivals.length >= ADMISSION_BATCH) this.#verifyArrivals();
      else if (!this.#arrivalsScheduled) {
        this.#arrivalsScheduled = true;
        setImmediate(() => this.#verifyArrivals());
      }
    });
  }

  /** Sends the arrivals so far to be verified as one batch, and queues their admission behind the previous batch's. */
  #verifyArrivals(): void {
    this.#arrivalsScheduled = false;
    const batch = this.#arrivals;
    if (batch.length === 0) return;
    this.#arrivals = [];
    const verified = this.#verifier.verifyBatch(batch.map((a) => a.tx));
    this.#admissionTail = this.#admissionTail
      .then(() => verified)
      .then(
        (results) => this.#admitBatch(batch, results),
        (error: unknown) => {
          for (const arrival of batch) arrival.reject(error);
        },
      );
  }

  #admitBatch(batch: readonly Arrival[], signaturesOk: Uint8Array): void {
    for (let i = 0; i < batch.length; i++) {
      const arrival = batch[i] as Arrival;
      let admitted: { hash: string };
      try {
        admitted = this.#admit(arrival.tx, signaturesOk[i] === 1);
      } catch (error) {
        arrival.reject(error);
        continue;
      }
      arrival.resolve(admitted);
    }
    if (this.blockTimeMs === 0 && this.#mempool.length > 0) this.#scheduleProduce();
  }

  #admit(tx: Transaction, signatureOk: boolean): { hash: string } {
    if (!signatureOk) reject("BAD_SIGNATURE", `signature of ${tx.hash} does not match sender ${tx.from}`);
    if (this.#mempool.length >= this.#maxMempool)
      reject("MEMPOOL_FULL", "too many transactions waiting; retry shortly");
    // Blocks take the mempool in order, maxTxPerBlock at a time, after the one being written (if any):
    // the block this one lands in is known now.
    const tip = this.#inFlight?.header ?? this.#head;
    const height = tip.height + 1n + BigInt(Math.floor(this.#mempool.length / this.maxTxPerBlock));
    const { writes, events } = execute(tx, this.#context(height, this.#readPendingFn));
    const entry: MempoolEntry = { tx, seq: ++this.#seq, writes, events };
    for (const [key, value] of writes) this.#overlay.set(key, { value, seq: entry.seq });
    this.#mempool.push(entry);
    this.#pendingByHash.set(tx.hash, entry);
    return { hash: tx.hash };
  }

  #context(height: bigint, read: (key: string) => LeafValue | undefined): ExecutionContext {
    return { read, height, faucet: this.#faucetRules };
  }

  readonly #readPendingFn = (key: string) => this.#readPending(key);

  #readPending(key: string): LeafValue | undefined {
    const pending = this.#overlay.get(key);
    return pending ? pending.value : this.#committed.get(key);
  }

  #scheduleProduce(): void {
    if (this.#produceScheduled) return;
    this.#produceScheduled = true;
    setImmediate(() => {
      this.#produceScheduled = false;
      this.#produceInBackground();
    });
  }

  /**
   * How the node produces blocks by itself (timer, or blockTimeMs 0): seals the next block and hands
   * it to the block writer, so the disk works while admission goes on. Waiters and subscribers hear
   * of it once it is durable, as with produceBlock.
   */
  #produceInBackground(): void {
    if (this.#closed) return; // close() writes the last blocks itself
    if (this.blockTimeMs === 0 && this.#mempool.length === 0 && !this.#produceDue) return; // nothing to do
    if (this.#inFlight) {
      this.#produceDue = true;
      return;
    }
    this.#produceDue = false;
    const sealed = this.#seal();
    this.#inFlight = sealed;
    this.#writer.commit(sealed.write).then(
      () => {
        if (this.#inFlight !== sealed) return; // settled synchronously by produceBlock or close
        this.#inFlight = undefined;
        this.#finish(sealed);
        if (this.#produceDue || (this.blockTimeMs === 0 && this.#mempool.length > 0)) this.#scheduleProduce();
      },
      (error: unknown) => {
        if (this.#inFlight !== sealed) return;
        this.#inFlight = undefined;
        this.#restore(sealed);
        // As when a synchronous commit fails on the timer: the node cannot go on without its disk.
        throw error;
      },
    );
  }

  /** Waits (blocking) for the block in flight, if any, and finishes it: produceBlock and close stay synchronous. */
  #settleInFlight(): void {
    const sealed = this.#inFlight;
    if (!sealed) return;
    this.#inFlight = undefined;
    const error = this.#writer.settle();
    if (error) {
      this.#restore(sealed);
      throw error;
    }
    this.#finish(sealed);
  }

  /**
   * Seals the next block from the mempool and makes it durable; then, and only then, tells waiters
   * and subscribers. Public so a dev or test chain can produce a block on demand.
   */
  produceBlock(): SealedBlockHeader {
    this.#settleInFlight();
    const sealed = this.#seal();
    try {
      this.#store.commitBlock(sealed.write);
    } catch (error) {
      this.#restore(sealed);
      throw error;
    }
    this.#finish(sealed);
    return sealed.header;
  }

  /** Takes up to maxTxPerBlock transactions off the mempool into a signed block on top of the durable head. */
  #seal(): SealedBlock {
    const entries = this.#mempool.splice(0, this.maxTxPerBlock);
    const parent = this.#head;
    const writes = new Map<string, LeafValue>();
    for (const entry of entries) for (const [key, value] of entry.writes) writes.set(key, value);
    const now = BigInt(Date.now());
    const header = sealHeader(
      {
        chainId: this.chainId,
        height: parent.height + 1n,
        parentHash: parent.hash,
        timestamp: now > parent.timestamp ? now : parent.timestamp,
        txCount: entries.length,
        txRoot: merkleRoot(entries.map((e) => e.tx.hashBytes)),
        stateRoot: commitState(parent.stateRoot, writes),
        producer: this.#keys.producer.publicKey,
      },
      this.#keys.producer,
    );
    const receipts = entries.map((e) => ({ status: "success", events: e.events }) as Receipt);
    const write: BlockWrite = {
      header,
      encodedHeader: encodeHeader(header),
      txs: entries.map((e, i) => ({
        hash: e.tx.hashBytes,
        raw: e.tx.raw,
        receipt: encodeReceipt(receipts[i] as Receipt),
      })),
      writes,
    };
    return { header, entries, writes, receipts, write };
  }

  /** A block that did not become durable: its transactions go back, first in line, so nothing admitted is forgotten. */
  #restore(sealed: SealedBlock): void {
    this.#mempool.unshift(...sealed.entries);
  }

  /** The block is durable: it becomes the head and committed state, and waiters and subscribers hear of it. */
  #finish({ header, entries, writes, receipts }: SealedBlock): void {
    this.#head = header;
    const lastSeq = entries.length > 0 ? (entries[entries.length - 1] as MempoolEntry).seq : 0;
    for (const [key, value] of writes) {
      this.#committed.set(key, value);
      const pending = this.#overlay.get(key);
      if (pending && pending.seq <= lastSeq) this.#overlay.delete(key);
    }
    entries.forEach((entry, index) => {
      this.#pendingByHash.delete(entry.tx.hash);
      const waiters = this.#waiters.get(entry.tx.hash);
      if (!waiters) return;
      this.#waiters.delete(entry.tx.hash);
      const info: TransactionInfo = {
        tx: entry.tx,
        status: "included",
        height: header.height,
        index,
        blockHash: header.hash,
        receipt: receipts[index],
      };
      for (const resolve of waiters) resolve(info);
    });
    if (this.#listeners.size === 0) return;
    const event: BlockEvent = {
      header,
      transactions: entries.map((e) => ({
        hash: e.tx.hash,
        from: e.tx.from,
        nonce: e.tx.nonce,
        events: e.events,
      })),
    };
    for (const listener of this.#listeners) {
      // One failing subscriber must not cost the others their event, nor stop block production.
      try {
        listener(event);
      } catch (error) {
        console.error("refchain: a block listener failed", error);
      }
    }
  }

  /** Resolves once the transaction is in a durable block. Rejects for a hash the node does not know. */
  waitForInclusion(hash: string): Promise<TransactionInfo> {
    const known = this.getTransaction(hash);
    if (!known)
      return Promise.reject(new RefchainError("UNKNOWN_TRANSACTION", `unknown transaction ${hash}`));
    if (known.status === "included") return Promise.resolve(known);
    return new Promise((resolve) => {
      const list = this.#waiters.get(hash) ?? [];
      list.push(resolve);
      this.#waiters.set(hash, list);
    });
  }

  getTransaction(hash: string): TransactionInfo | undefined {
    const pending = this.#pendingByHash.get(hash);
    if (pending) return { tx: pending.tx, status: "pending" };
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    const stored = this.#store.transaction(hash);
    if (!stored) return undefined;
    return {
      tx: decodeTransaction(stored.raw),
      status: "included",
      height: stored.height,
      index: stored.index,
      blockHash: this.#store.blockByHeight(stored.height)?.hash,
      receipt: decodeReceipt(stored.receipt),
    };
  }

  /** Durable balances, in the order asked. */
  getBalances(queries: readonly { address: string; asset: string }[]): bigint[] {
    return queries.map(
      (q) => (this.#committed.get(balanceKey(q.address, q.asset)) as bigint | undefined) ?? 0n,
    );
  }

  /** The next nonce: `committed` per durable blocks, `pending` counting admitted transactions too. */
  getNonce(address: string): { committed: bigint; pending: bigint } {
    const key = nonceKey(address);
    return {
      committed: (this.#committed.get(key) as bigint | undefined) ?? 0n,
      pending: (this.#readPending(key) as bigint | undefined) ?? 0n,
    };
  }

  getSubnet(id: string): Subnet | undefined {
    return this.#committed.get(subnetKey(id)) as Subnet | undefined;
  }

  getAsset(id: string): Asset | undefined {
    return this.#committed.get(assetKey(id)) as Asset | undefined;
  }

  getBlock(height: bigint): { header: SealedBlockHeader; transactions: string[] } | undefined {
    const header = height === this.#head.height ? this.#head : this.#store.blockByHeight(height);
    if (!header) return undefined;
    return { header, transactions: this.#store.transactionsOf(height).map((t) => t.hash) };
  }

  /**
   * What each transaction of the block at `height` did, in block order, as block subscribers saw it
   * (BlockEvent.transactions); undefined beyond the head.
   */
  getBlockTransactions(height: bigint): BlockEvent["transactions"] | undefined {
    if (height < 0n || height > this.#head.height) return undefined;
    return this.#store.transactionsOf(height).map((stored) => {
      const tx = decodeTransaction(stored.raw);
      return {
        hash: stored.hash,
        from: tx.from,
        nonce: tx.nonce,
        events: decodeReceipt(stored.receipt).events,
      };
    });
  }

  /** A copy of the durable state, for tests and tools. */
  snapshotState(): Map<string, LeafValue> {
    return new Map(this.#committed);
  }

  /** Dev chains only: the node signs a faucet transaction to `to` with the faucet key it holds. */
  requestFaucet(to: string, amount: bigint): Promise<{ hash: string }> {
    try {
      const { faucet } = this.genesis;
      if (!faucet.enabled) reject("FAUCET_DISABLED", "this chain has no faucet (not a dev chain)");
      if (amount <= 0n || amount > BigInt(faucet.maxPerRequest)) {
        reject("BAD_AMOUNT", `the faucet gives between 1 and ${faucet.maxPerRequest} base units at once`);
      }
      const key = this.#keys.faucet;
      // Requests in the same tick take consecutive nonces; admission then runs them in order.
      const pending = this.getNonce(key.address).pending;
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
      const nonce = pending > this.#faucetNonce ? pending : this.#faucetNonce;
      const tx = signTransaction(
        {
          chainId: this.chainId,
          from: key.address,
          nonce,
          expiry: this.#head.height + 1000n,
          payload: { kind: "faucet", to, amount },
        },
        key,
      );
      this.#faucetNonce = nonce + 1n; // only once signed: a bad address must not use up a nonce
      return this.submit(tx.raw).catch((error) => {
        this.#faucetNonce = 0n; // re-read the nonce from the chain next time
        throw error;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  #faucetNonce = 0n;

  /** Called with every durable block; returns the unsubscribe function. Listeners must not block. */
  onBlock(listener: (block: BlockEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops producing; the transactions already admitted go into one last block first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#verifyArrivals();
    await this.#admissionTail;
    this.#settleInFlight();
    while (this.#mempool.length > 0) this.produceBlock();
    await this.#writer.close();
    await this.#verifier.close();
    this.#store.close();
    this.#lock.release();
  }
}
