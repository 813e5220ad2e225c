import type { ChainAdapter, ObservedBlock } from "../../adapters/types.ts";
import { newId as makeId } from "../ids.ts";
import type { Logger } from "../logger.ts";
import type {
  AccountRecord,
  ChainProgress,
  PaymentRecord,
  PaymentStatus,
  Store,
  SubnetRecord,
} from "../store/store.ts";
import type { EventBus } from "./eventBus.ts";
import {
  expiredMessage,
  failedChange,
  includedChange,
  isTerminalStatus,
  type PaymentChangeStep,
  paymentChange,
} from "./paymentChange.ts";
import { reconcileOpenPayments } from "./reconcileOpenPayments.ts";

export interface PaymentTrackerDependencies {
  store: Store;
  bus: EventBus;
  /** The one chain this tracker follows. */
  adapter: ChainAdapter;
  logger: Logger;
  /** Ids for INCOMING payments. Default newId("pay"). */
  newId?: () => string;
  /** How a failed watch is restarted: after initialMs, doubling up to maxMs. Default 500 ms and 30 s. */
  retry?: { initialMs?: number; maxMs?: number };
  /**
   * At start, fail (NOT_SENT) PENDING payments without a stored transaction. Default true; pass false
   * when the payment service signs and sends those itself after a crash (see reconcileOpenPayments).
   */
  failUnsigned?: boolean;
  /**
   * Stored transactions still not on chain (a broadcast that met an unavailable chain, a node that
   * lost its mempool) are looked up and re-broadcast after a watch recovers and every `everyMs`,
   * once unchanged for `olderThanMs` (so a payment its sender is still working on is left alone).
   * Default every 10 s, after 30 s.
   */
  resend?: { everyMs?: number; olderThanMs?: number };
  /**
   * The fencing token of this tracker's lease (src/cluster/chainLeadership.ts), default 0. At start
   * the tracker claims the chain in the store with a token at least this high and above every earlier
   * claim; every progress write carries it, and the store refuses it once a later tracker claimed the
   * chain (StaleFenceError). The store, not the lease, is the authority: a Redis that lost its data
   * cannot hand out a token that goes back.
   */
  fence?: bigint;
  /**
   * Other replicas share the store and may be sending right now: the start-up reconcile then leaves
   * stored transactions changed within `resend.olderThanMs` to their live sender (re-broadcasting
   * bytes a sender is about to replace could land both); the periodic re-send takes them if that
   * sender died. Default false (a gateway alone reconciles everything before it takes requests).
   */
  othersMaySend?: boolean;
}

// Payments that reached FINALIZED or FAILED, remembered for a while so a late track() with an older
// snapshot does not bring them back.
const CLOSED_MEMORY = 10_000;
// Block hashes kept to name the block a rollback returns to.
const HASH_MEMORY = 1_024;

/**
 * Follows one chain for the gateway: confirms and finalizes payments as blocks come, fails the ones
 * the chain rejects or lets expire, records transfers to any tenant's address as INCOMING payments,
 * and undoes confirmations a reorg removed. Each block is applied whole in one store transaction
 * together with the chain progress, so a crash re-runs at most that block, and the events it
 * appended are then published on the bus.
 *
 * Start it before the payment service takes requests (start() reconciles what a previous run left
 * half-way), tell it about each newly submitted payment with track(), stop it before the store.
 */
export class PaymentTracker {
  readonly chainId: string;
  readonly #store: Store;
  readonly #bus: EventBus;
  readonly #adapter: ChainAdapter;
  readonly #logger: Logger;
  readonly #newId: () => string;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #failUnsigned: boolean;
  readonly #resendEveryMs: number;
  readonly #resendOlderThanMs: number;
  // The lease's token until start() claims the chain; the claimed token after.
  #fence: bigint;
  readonly #othersMaySend: boolean;
  #resendTimer: NodeJS.Timeout | null = null;

  // What each block looks at instead of scanning the store: OUTGOING payments sent and not yet in a
  // block, and CONFIRMED payments (both directions) on their way to finality.
  readonly #open = new Map<string, PaymentRecord>();
  readonly #closed = new Set<string>();
  readonly #recentHashes = new Map<bigint, string>();
  readonly #subnets = new Map<string, SubnetRecord>();
  #progress: ChainProgress | null = null;

  #state: "idle" | "starting" | "running" | "stopped" = "idle";
  #ready = false;
  // Bumped whenever a watch is abandoned: callbacks of an older watch are ignored.
  #generation = 0;
  #unwatch: (() => Promise<void>) | null = null;
  // Blocks and rollbacks are applied one at a time, in arrival order.
  #queue: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | null = null;
  #backoffMs: number;

  constructor(deps: PaymentTrackerDependencies) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#adapter = deps.adapter;
    this.chainId = deps.adapter.description.id;
    this.#logger = deps.logger.child({ component: "paymentTracker", chainId: this.chainId });
    this.#newId = deps.newId ?? (() => makeId("pay"));
    this.#initialBackoffMs = deps.retry?.initialMs ?? 500;
    this.#maxBackoffMs = deps.retry?.maxMs ?? 30_000;
    this.#backoffMs = this.#initialBackoffMs;
    this.#failUnsigned = deps.failUnsigned ?? true;
    this.#resendEveryMs = deps.resend?.everyMs ?? 10_000;
    this.#resendOlderThanMs = deps.resend?.olderThanMs ?? 30_000;
    this.#fence = deps.fence ?? 0n;
    this.#othersMaySend = deps.othersMaySend ?? false;
  }

  /**
   * Reconciles the open payments with the chain, then watches it from the block after the last one
   * applied (from the current head on a first start). Rejects when the chain or the store cannot be
   * reached; once started, a failing watch is retried on its own.
   */
  async start(): Promise<void> {
    if (this.#state !== "idle")
      throw new Error(`the payment tracker for ${this.chainId} was already started`);
    this.#state = "starting";
    try {
      // First: from here on a tracker that ran before (another replica's, which may not know it lost
      // its lease) can no longer move the chain's progress.
      const claimed = await this.#store.claimChainProgress(this.chainId, this.#fence);
      this.#fence = claimed.fence;
      const listed = await this.#store.listOpenPayments(this.chainId);
      const cutoff = Date.now() - this.#resendOlderThanMs;
      const inFlight = (payment: PaymentRecord) =>
        this.#othersMaySend &&
        payment.direction === "OUTGOING" &&
        (payment.status === "PENDING" || payment.status === "SUBMITTED") &&
        payment.updatedAt.getTime() > cutoff;
      const reconciled = await reconcileOpenPayments({
        store: this.#store,
        adapter: this.#adapter,
        logger: this.#logger,
        payments: listed.filter((payment) => !inFlight(payment)),
        failUnsigned: this.#failUnsigned,
      });
      const stillOpen = new Set(reconciled.payments.map((payment) => payment.id));
      for (const payment of listed) {
        if (inFlight(payment)) this.#open.set(payment.id, payment);
        else if (!stillOpen.has(payment.id)) this.#forget(payment.id);
      }
      for (const payment of reconciled.payments) this.#open.set(payment.id, payment);

      let progress = claimed.progress;
      if (progress === null) {
        // First start on this chain: what happened before the gateway knew it is not its business.
        const head = await this.#adapter.head();
        progress = { chainId: this.chainId, height: head.height, hash: head.hash, fence: this.#fence };
        await this.#store.setChainProgress(progress);
      }
      this.#progress = progress;
      if (this.#state !== "starting") return; // stopped meanwhile
      this.#state = "running";
      await this.#watch();
      this.#resendTimer = setInterval(() => {
        if (this.#ready) void this.#enqueue(this.#generation, () => this.#resendStale());
      }, this.#resendEveryMs);
      this.#resendTimer.unref();
    } catch (error) {
      if (this.#state === "starting" || this.#state === "running") this.#state = "idle";
      await this.#stopWatch();
      throw error;
    }
  }

  /** Stops watching and waits for the block being applied, if any. */
  async stop(): Promise<void> {
    this.#state = "stopped";
    this.#ready = false;
    this.#generation++;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#resendTimer !== null) clearInterval(this.#resendTimer);
    this.#resendTimer = null;
    await this.#stopWatch();
    await this.#queue;
  }

  /** True while the watch is live; false before start, after a watch error until it recovers, after stop. */
  ready(): boolean {
    return this.#ready;
  }

  /** The last block applied, or null before start. */
  progress(): ChainProgress | null {
    return this.#progress;
  }

  /**
   * Follows a newly submitted payment (the payment service calls this after broadcast), so the
   * blocks can expire it without a store scan. A snapshot older than what the tracker knows is ignored.
   */
  track(payment: PaymentRecord): void {
    if (payment.chainId !== this.chainId || isTerminalStatus(payment.status) || this.#closed.has(payment.id))
      return;
    const known = this.#open.get(payment.id);
    if (known !== undefined && STATUS_RANK[known.status] >= STATUS_RANK[payment.status]) return;
    this.#open.set(payment.id, payment);
  }

  async #watch(): Promise<void> {
    if (this.#state !== "running") return;
    const generation = ++this.#generation;
    const from = this.#requireProgress().height + 1n;
    const unwatch = await this.#adapter.watch({
      fromHeight: from,
      onBlock: (block) => this.#enqueue(generation, () => this.#applyBlock(block)),
      onRollback: (height) => this.#enqueue(generation, () => this.#rollback(height)),
      onError: (error) => this.#fail(generation, error),
    });
    if (generation !== this.#generation || this.#state !== "running") {
      // Stopped or failed while the watch was starting.
      await unwatch().catch((error: unknown) =>
        this.#logger.warn({ err: error }, "stopping an abandoned watch failed"),
      );
      return;
    }
    this.#unwatch = unwatch;
    this.#ready = true;
    this.#logger.info({ fromHeight: from }, "watching the chain");
  }

  async #stopWatch(): Promise<void> {
    const unwatch = this.#unwatch;
    this.#unwatch = null;
    if (unwatch === null) return;
    await unwatch().catch((error: unknown) => this.#logger.warn({ err: error }, "stopping the watch failed"));
  }

  // Returns a promise that never rejects: the adapter waits for it (back-pressure), and a failure is
  // the tracker's to handle (restart from the last applied block), not the adapter's.
  #enqueue(generation: number, task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(async () => {
      if (generation !== this.#generation) return;
      try {
        await task();
        this.#backoffMs = this.#initialBackoffMs;
      } catch (error) {
        this.#fail(generation, error);
      }
    });
    this.#queue = run;
    return run;
  }

  #fail(generation: number, error: unknown): void {
    if (generation !== this.#generation || this.#state !== "running") return;
    this.#generation++;
    this.#ready = false;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(delay * 2, this.#maxBackoffMs);
    this.#logger.error(
      { err: error, retryInMs: delay, fromHeight: this.#progress?.height },
      "the chain watch failed; restarting it from the last applied block",
    );
    this.#retryTimer = setTimeout(() => void this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    this.#retryTimer = null;
    await this.#stopWatch();
    await this.#queue;
    if (this.#state !== "running") return;
    try {
      // A block that failed half-way may have recorded incoming payments the memory does not know: the
      // store is the truth.
      for (const payment of await this.#store.listOpenPayments(this.chainId))
        this.#open.set(payment.id, payment);
      await this.#watch();
      // The chain is back: what could not be sent while it was away goes now.
      void this.#enqueue(this.#generation, () => this.#resendStale());
    } catch (error) {
      this.#fail(this.#generation, error);
    }
  }

  /** Re-runs the start-up reconcile on stored transactions that have sat unchanged for a while. Best effort. */
  async #resendStale(): Promise<void> {
    try {
      const cutoff = Date.now() - this.#resendOlderThanMs;
      const stale = (await this.#store.listOpenPayments(this.chainId)).filter(
        (payment) =>
          payment.direction === "OUTGOING" &&
          (payment.status === "PENDING" || payment.status === "SUBMITTED") &&
          payment.rawTransaction !== null &&
          payment.updatedAt.getTime() <= cutoff,
      );
      await this.#resend(stale);
    } catch (error) {
      this.#logger.warn({ err: error }, "could not re-send stored transactions; trying again later");
    }
  }

  /** Looks stored transactions up on chain and sends the ones it does not have again, as the same bytes. */
  async #resend(payments: readonly PaymentRecord[]): Promise<void> {
    if (payments.length === 0) return;
    const reconciled = await reconcileOpenPayments({
      store: this.#store,
      adapter: this.#adapter,
      logger: this.#logger,
      payments,
      failUnsigned: false,
    });
    const stillOpen = new Set(reconciled.payments.map((payment) => payment.id));
    for (const payment of payments) if (!stillOpen.has(payment.id)) this.#forget(payment.id);
    for (const payment of reconciled.payments) this.#open.set(payment.id, payment);
  }

  async #applyBlock(block: ObservedBlock): Promise<void> {
    const progress = this.#requireProgress();
    if (block.height <= progress.height) return; // applied before this watch started
    if (block.height !== progress.height + 1n)
      throw new Error(
        `block ${block.height} arrived right after block ${progress.height}: blocks are missing`,
      );

    const at = new Date();
    const finalityDepth = this.#adapter.description.capabilities.finalityDepth;
    const steps: PaymentChangeStep[] = [];
    // The payments this block changes, as they will be after it.
    const touched = new Map<string, PaymentRecord>();
    const current = (id: string) => touched.get(id) ?? this.#open.get(id);
    const push = (step: PaymentChangeStep) => {
      steps.push(step);
      touched.set(step.payment.id, step.payment);
    };

    // 1. Our transactions in this block, from the store: it also knows payments sent by another process.
    const hashes = [...new Set([...block.transactionHashes, ...block.failed.keys()])];
    const position = new Map(hashes.map((hash, index) => [hash, index]));
    const found = hashes.length === 0 ? [] : await this.#store.findPaymentsByTxHash(this.chainId, hashes);
    found.sort((a, b) => (position.get(a.txHash ?? "") ?? 0) - (position.get(b.txHash ?? "") ?? 0));
    const included = found.filter(
      (payment) => payment.status === "PENDING" || payment.status === "SUBMITTED",
    );
    const fees = await this.#fees(included.filter((payment) => !block.failed.has(payment.txHash ?? "")));
    for (const payment of found) {
      if (payment.status === "CONFIRMED" && !touched.has(payment.id)) this.#open.set(payment.id, payment);
    }
    for (const payment of included) {
      const reason = block.failed.get(payment.txHash ?? "");
      if (reason !== undefined) {
        push(
          paymentChange(
            payment,
            {
              status: "FAILED",
              blockHeight: block.height,
              blockHash: block.hash,
              errorCode: "CHAIN_REJECTED",
              errorMessage: reason,
            },
            "FAILED",
            at,
          ),
        );
        continue;
      }
      push(
        includedChange(
          payment,
          { height: block.height, blockHash: block.hash, fee: fees.get(payment.id) ?? null },
          1,
          at,
        ),
      );
    }

    // 2. Sent payments past their validity and still not in a block: the chain says whether they ever
    // will be (only those, so it costs a lookup per expiring payment, not per block).
    for (const payment of [...this.#open.values()]) {
      if (touched.has(payment.id) || payment.direction !== "OUTGOING" || payment.status !== "SUBMITTED")
        continue;
      if (payment.validUntilHeight === null || block.height <= payment.validUntilHeight) continue;
      await this.#expire(payment, block, at, push);
    }

    // 3. Transfers to our addresses: new INCOMING payments, or ones a reorg had taken out of a block.
    let reorgedIncoming: Map<string, PaymentRecord> | undefined;
    const incoming = await this.#incoming(block, at, (payment) => {
      reorgedIncoming ??= new Map(
        [...this.#open.values()]
          .filter((open) => open.direction === "INCOMING" && open.status === "SUBMITTED")
          .map((open) => [incomingKey(open), open]),
      );
      const reorged = reorgedIncoming.get(incomingKey(payment));
      if (reorged === undefined) return false;
      reorgedIncoming.delete(incomingKey(payment));
      push(
        paymentChange(
          reorged,
          { status: "CONFIRMED", blockHeight: block.height, blockHash: block.hash, confirmations: 1 },
          "CONFIRMED",
          at,
        ),
      );
      return true;
    });

    // 4. Confirmations of everything in a block, finality when deep enough.
    for (const id of new Set([...this.#open.keys(), ...touched.keys()])) {
      const payment = current(id);
      if (payment === undefined || payment.status !== "CONFIRMED" || payment.blockHeight === null) continue;
      if (block.height < payment.blockHeight) continue;
      const confirmations = Number(block.height - payment.blockHeight + 1n);
      if (confirmations >= finalityDepth) {
        push(
          paymentChange(
            payment,
            { status: "FINALIZED", confirmations: Math.max(confirmations, payment.confirmations) },
            "FINALIZED",
            at,
          ),
        );
      } else if (confirmations > payment.confirmations) {
        push(paymentChange(payment, { confirmations }, null, at));
      }
    }

    // Incoming first: a crash between the two writes leaves the progress behind, so the block runs
    // again, and recording the same transfers again is a no-op.
    const received = incoming.length === 0 ? [] : await this.#store.recordIncomingPayments(incoming);
    const next: ChainProgress = {
      chainId: this.chainId,
      height: block.height,
      hash: block.hash,
      fence: this.#fence,
    };
    await this.#store.applyPaymentChanges(
      steps.map((step) => step.change),
      next,
    );

    for (const event of received)
      if (event.payment.status === "CONFIRMED") this.#open.set(event.paymentId, event.payment);
    for (const payment of touched.values()) this.#remember(payment);
    this.#progress = next;
    this.#recentHashes.set(block.height, block.hash);
    this.#recentHashes.delete(block.height - BigInt(HASH_MEMORY));
    try {
      this.#bus.publishHead({
        chainId: this.chainId,
        height: block.height,
        hash: block.hash,
        timestamp: block.timestamp,
      });
    } catch (error) {
      this.#logger.warn({ err: error }, "publishing the chain head failed");
    }
  }

  async #expire(
    payment: PaymentRecord,
    block: ObservedBlock,
    at: Date,
    push: (step: PaymentChangeStep) => void,
  ): Promise<void> {
    if (payment.txHash === null) return;
    const status = await this.#adapter.getTransactionStatus(payment.txHash);
    if (status.state === "UNKNOWN") {
      push(failedChange(payment, "EXPIRED", expiredMessage(payment.validUntilHeight), at));
    } else if (status.state === "FAILED") {
      push(failedChange(payment, "CHAIN_REJECTED", status.reason, at, status.height));
    } else if (status.state === "INCLUDED") {
      // In a block this tracker applied: the memory held an old snapshot (a late track()). The store knows.
      const [stored] = await this.#store.getPayments([payment.id]);
      if (stored === null || stored === undefined || isTerminalStatus(stored.status)) {
        this.#forget(payment.id);
      } else if (stored.status === "PENDING" || stored.status === "SUBMITTED") {
        const confirmations = block.height >= status.height ? Number(block.height - status.height + 1n) : 1;
        push(includedChange(stored, status, confirmations, at));
      } else {
        this.#open.set(stored.id, stored);
      }
    }
  }

  /**
   * The INCOMING payments this block makes: each transfer to an address of any tenant's account in the
   * asset of that account's subnet, whether it came through the gateway or not. `reconfirm` takes the
   * ones that already exist (a reorg took them out of a block).
   */
  async #incoming(
    block: ObservedBlock,
    at: Date,
    reconfirm: (payment: PaymentRecord) => boolean,
  ): Promise<PaymentRecord[]> {
    if (block.transfers.length === 0) return [];
    const addresses = [...new Set(block.transfers.map((transfer) => transfer.to))];
    const accounts = await this.#store.findAccountsByAddress(this.chainId, addresses);
    if (accounts.length === 0) return [];
    const subnets = await this.#subnetsOf(accounts);
    const byAddress = new Map<string, AccountRecord[]>();
    for (const account of accounts) {
      const same = byAddress.get(account.address);
      if (same) same.push(account);
      else byAddress.set(account.address, [account]);
    }

    const final = this.#adapter.description.capabilities.finalityDepth <= 1;
    const payments: PaymentRecord[] = [];
    for (const transfer of block.transfers) {
      for (const account of byAddress.get(transfer.to) ?? []) {
        const subnet = subnets.get(account.subnetId);
        if (subnet === undefined || subnet.asset.id !== transfer.asset.id) continue;
        const payment: PaymentRecord = {
          id: this.#newId(),
          tenantId: account.tenantId,
          direction: "INCOMING",
          accountId: account.id,
          subnetId: account.subnetId,
          chainId: this.chainId,
          asset: subnet.asset,
          amount: transfer.amount,
          fromAddress: transfer.from,
          toAddress: transfer.to,
          toAccountId: null,
          memo: transfer.memo,
          status: final ? "FINALIZED" : "CONFIRMED",
          txHash: transfer.txHash,
          rawTransaction: null,
          nonce: null,
          validUntilHeight: null,
          blockHeight: block.height,
          blockHash: block.hash,
          transferIndex: transfer.index,
          confirmations: 1,
          fee: null,
          errorCode: null,
          errorMessage: null,
          idempotencyKey: null,
          inputHash: null,
          createdAt: at,
          updatedAt: at,
        };
        if (!reconfirm(payment)) payments.push(payment);
      }
    }
    return payments;
  }

  // Subnets never change their asset: read each once.
  async #subnetsOf(accounts: readonly AccountRecord[]): Promise<Map<string, SubnetRecord>> {
    const missing = [...new Set(accounts.map((account) => account.subnetId))].filter(
      (id) => !this.#subnets.has(id),
    );
    if (missing.length > 0) {
      for (const subnet of await this.#store.getSubnets(missing))
        if (subnet !== null) this.#subnets.set(subnet.id, subnet);
    }
    return this.#subnets;
  }

  // The fee of each included payment whose fee was not known before inclusion (chains where it
  // depends on execution). One lookup each, in parallel; a failed lookup leaves the fee unknown.
  async #fees(payments: readonly PaymentRecord[]): Promise<Map<string, bigint>> {
    const fees = new Map<string, bigint>();
    await Promise.all(
      payments
        .filter((payment) => payment.fee === null && payment.txHash !== null)
        .map(async (payment) => {
          try {
            const status = await this.#adapter.getTransactionStatus(payment.txHash ?? "");
            if (status.state === "INCLUDED" && status.fee !== null) fees.set(payment.id, status.fee);
          } catch (error) {
            this.#logger.warn(
              { err: error, paymentId: payment.id },
              "could not read the fee of an included payment",
            );
          }
        }),
    );
    return fees;
  }

  /** Blocks above `height` were replaced: what they confirmed is back to SUBMITTED until a block holds it again. */
  async #rollback(height: bigint): Promise<void> {
    const progress = this.#requireProgress();
    const at = new Date();
    const steps: PaymentChangeStep[] = [];
    for (const payment of this.#open.values()) {
      if (payment.status !== "CONFIRMED" || payment.blockHeight === null || payment.blockHeight <= height)
        continue;
      steps.push(
        paymentChange(
          payment,
          // The fee was the replaced block's (gas used × its price): the next block sets it anew.
          { status: "SUBMITTED", blockHeight: null, blockHash: null, confirmations: 0, fee: null },
          "REORGED",
          at,
        ),
      );
    }
    // The hash is unknown when the rollback goes deeper than the hashes kept; nothing reads it back.
    const back: ChainProgress | undefined =
      height < progress.height
        ? { chainId: this.chainId, height, hash: this.#recentHashes.get(height) ?? "", fence: this.#fence }
        : undefined;
    await this.#store.applyPaymentChanges(
      steps.map((step) => step.change),
      back,
    );
    for (const step of steps) this.#open.set(step.payment.id, step.payment);
    if (back !== undefined) {
      for (const known of [...this.#recentHashes.keys()])
        if (known > height) this.#recentHashes.delete(known);
      this.#progress = back;
    }
    this.#logger.warn(
      { height, reorged: steps.length },
      "the chain replaced blocks; their payments wait for a new block",
    );
    // A node may not put the transactions of replaced blocks back in its mempool: send ours again
    // (the same bytes; the ones the new branch already holds are left as they are). Their sender is
    // long done with them, so there is nothing to wait for.
    const ours = steps
      .map((step) => step.payment)
      .filter((payment) => payment.direction === "OUTGOING" && payment.rawTransaction !== null);
    try {
      await this.#resend(ours);
    } catch (error) {
      this.#logger.warn({ err: error }, "could not re-send reorged transactions; the periodic re-send will");
    }
  }

  #remember(payment: PaymentRecord): void {
    if (isTerminalStatus(payment.status)) this.#forget(payment.id);
    else this.#open.set(payment.id, payment);
  }

  #forget(id: string): void {
    this.#open.delete(id);
    this.#closed.add(id);
    if (this.#closed.size > CLOSED_MEMORY) {
      const oldest = this.#closed.values().next();
      if (!oldest.done) this.#closed.delete(oldest.value);
    }
  }

  #requireProgress(): ChainProgress {
    if (this.#progress === null)
      throw new Error("the payment tracker has no chain progress: start() it first");
    return this.#progress;
  }
}

/** What makes an INCOMING payment unique (the store dedupes on the same fields). */
const incomingKey = (payment: PaymentRecord) =>
  `${payment.accountId} ${payment.txHash} ${payment.transferIndex}`;

const STATUS_RANK: Readonly<Record<PaymentStatus, number>> = {
  PENDING: 0,
  SUBMITTED: 1,
  CONFIRMED: 2,
  FINALIZED: 3,
  FAILED: 3,
};
