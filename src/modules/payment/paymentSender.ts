import type { ChainAdapter, PreparedTransaction, Signer, TransferRequest } from "../../../adapters/types.ts";
import { isAdapterError } from "../../../adapters/types.ts";
import { type SendLocks, sendLockKey, soleReplicaSendLocks } from "../../cluster/sendLocks.ts";
import { IdempotencyConflictError, InsufficientFundsError } from "../../errors/gatewayError.ts";
import type { EventBus } from "../../events/eventBus.ts";
import type { Logger } from "../../logger.ts";
import { formatAmount } from "../../money/amount.ts";
import type { AccountRecord, PaymentChange, PaymentRecord, Store } from "../../store/store.ts";
import type { Vault } from "../../vault/vault.ts";
import { toGatewayError } from "../chain/adapterCall.ts";
import type { ChainService } from "../chain/chain.service.ts";

/** A validated payment waiting for its sender's turn. */
export interface NewPayment {
  /** The record to create (status PENDING, no transaction yet). */
  record: PaymentRecord;
  from: AccountRecord;
}

export interface SendOutcome {
  payment: PaymentRecord;
  replayed: boolean;
}

interface Waiting {
  payment: NewPayment;
  resolve: (outcome: SendOutcome) => void;
  reject: (error: unknown) => void;
}

/** What one sending account has in flight: its queue and the amounts not yet in a block. */
interface AccountLane {
  from: AccountRecord;
  waiting: Waiting[];
  running: boolean;
  /** paymentId → amount of this account's PENDING/SUBMITTED payments; null until loaded. */
  reserved: Map<string, bigint> | null;
}

const SETTLED = new Set(["CONFIRMED", "FINALIZED", "FAILED"]);

/**
 * Sends payments one sending account at a time, in batches. Per account, everything queued while a
 * batch runs forms the next batch, so concurrent payments from one account take consecutive nonces
 * with no race, and many accounts proceed in parallel (their store writes share group commits).
 *
 * A batch: check funds (chain balance minus what is already in flight) → sign with consecutive
 * nonces → record each payment already SUBMITTED, with its signed bytes, under its idempotency key
 * (one write: write-ahead) → broadcast in nonce order. A crash anywhere leaves either no payment, or
 * stored bytes that the restart re-broadcasts: the chain sees one transaction per payment, never two.
 */
export class PaymentSender {
  readonly #lanes = new Map<string, AccountLane>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly deps: {
      store: Store;
      chains: ChainService;
      vault: Vault;
      bus: EventBus;
      logger: Logger;
      /** Hands a submitted payment to its chain's tracker. */
      onSubmitted: (payment: PaymentRecord) => void;
      /** Per-account locks shared with other replicas. Default: this gateway alone. */
      sendLocks?: SendLocks;
    },
  ) {
    // Release reserved amounts as the tracker settles payments (their amount is then in the balance).
    this.#unsubscribe = deps.bus.onPaymentEvents((events) => {
      for (const event of events) {
        if (event.payment.direction !== "OUTGOING" || !SETTLED.has(event.payment.status)) continue;
        this.#lanes.get(event.accountId)?.reserved?.delete(event.paymentId);
      }
    });
  }

  /** Queues a validated payment; resolves once it is recorded and, if the chain is up, broadcast. */
  send(payment: NewPayment): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      const lane = this.#lane(payment.from);
      lane.waiting.push({ payment, resolve, reject });
      this.#run(lane);
    });
  }

  close(): void {
    this.#unsubscribe();
  }

  #lane(from: AccountRecord): AccountLane {
    let lane = this.#lanes.get(from.id);
    if (!lane) {
      lane = { from, waiting: [], running: false, reserved: null };
      this.#lanes.set(from.id, lane);
    }
    return lane;
  }

  #run(lane: AccountLane): void {
    if (lane.running) return;
    lane.running = true;
    void (async () => {
      try {
        while (lane.waiting.length > 0) {
          const batch = lane.waiting.splice(0);
          try {
            const signer = sendLockKey(lane.from.chainId, lane.from.address);
            await (this.deps.sendLocks ?? soleReplicaSendLocks).run(signer, (handedOver) =>
              this.#sendBatch(lane, batch, handedOver),
            );
          } catch (error) {
            // A chain that cannot be read (CHAIN_UNAVAILABLE) or a fault (store down, bug): every
            // caller in the batch hears it; nothing half-done is acknowledged, and what was recorded
            // with its bytes is re-sent by the tracker.
            const answer = toGatewayError(error);
            const unavailable = isAdapterError(error) && error.code === "UNAVAILABLE";
            this.deps.logger[unavailable ? "warn" : "error"](
              { err: error, accountId: lane.from.id },
              "payment batch failed",
            );
            for (const waiting of batch) waiting.reject(answer);
          }
        }
      } finally {
        lane.running = false;
      }
    })();
  }

  /** `handedOver`: another replica may have sent from this account since this one last did. */
  async #sendBatch(lane: AccountLane, batch: Waiting[], handedOver: boolean): Promise<void> {
    const { store, chains } = this.deps;
    const adapter = chains.adapterOf(lane.from.chainId);
    // What another replica sent is in the store (amounts in flight) and on the chain (nonces).
    if (handedOver) lane.reserved = null;
    const reserved = await this.#reserved(lane);
    // Every payment of one sending account moves its subnet's asset.
    const asset = batch[0]?.payment.record.asset;
    const [balance = 0n] = asset
      ? await adapter.getBalances([{ address: lane.from.address, asset: { ...asset } }])
      : [];
    let available = balance - [...reserved.values()].reduce((sum, amount) => sum + amount, 0n);
    // Duplicates inside one batch: the first occurrence decides; the others replay it.
    const firstByKey = new Map<string, Waiting>();
    const accepted: Waiting[] = [];
    const duplicates: Waiting[] = [];
    const firsts: Waiting[] = [];
    for (const waiting of batch) {
      const key = waiting.payment.record.idempotencyKey ?? "";
      if (firstByKey.has(key)) duplicates.push(waiting);
      else {
        firstByKey.set(key, waiting);
        firsts.push(waiting);
      }
    }
    // A key used since the service looked answers as a replay or conflict even when the funds are gone.
    const existingByIndex = await Promise.all(
      firsts.map(({ payment: { record } }) =>
        store.findPaymentByIdempotencyKey(record.tenantId, record.idempotencyKey ?? ""),
      ),
    );
    for (const [index, waiting] of firsts.entries()) {
      const { record } = waiting.payment;
      const existing = existingByIndex[index];
      if (existing) {
        settleExisting(waiting, existing);
        continue;
      }
      if (record.amount > available) {
        const { decimals, symbol } = record.asset;
        waiting.reject(
          new InsufficientFundsError(
            `Account ${lane.from.id} has ${formatAmount(available < 0n ? 0n : available, decimals)} ${symbol} available (balance less payments in flight); the payment needs ${formatAmount(record.amount, decimals)} ${symbol}.`,
          ),
        );
        continue;
      }
      available -= record.amount;
      accepted.push(waiting);
    }

    if (accepted.length > 0) {
      const signer = await this.#signer(lane, adapter);
      if (handedOver) adapter.resetNonce?.(signer.address);
      // New payments are signed first (consecutive nonces, in arrival order) and recorded already
      // SUBMITTED: one write holds the idempotency key, the payment and its signed bytes, before
      // any broadcast. A transfer the adapter refuses before signing is answered, not recorded.
      const signed: { waiting: Waiting; record: PaymentRecord }[] = [];
      for (const waiting of accepted) {
        try {
          const tx = await adapter.prepareTransfer(transferOf(waiting.payment.record, signer));
          signed.push({ waiting, record: { ...waiting.payment.record, ...submittedPatch(tx) } });
        } catch (error) {
          waiting.reject(toGatewayError(error, "amount"));
        }
      }
      const recorded = await Promise.all(signed.map(({ record }) => store.recordPayment(record)));
      const created: { payment: PaymentRecord; waiting: Waiting }[] = [];
      // A key another sender (or replica) won since the look-up: that payment's nonce was taken by
      // signing but will never be used, so the ones signed after it must be signed again.
      let resignFrom = -1;
      for (const [index, { waiting }] of signed.entries()) {
        const result = recorded[index];
        if (!result) continue;
        if (result.created) created.push({ payment: result.payment, waiting });
        else {
          settleExisting(waiting, result.payment);
          if (resignFrom < 0) resignFrom = created.length;
        }
      }
      for (const duplicate of duplicates) {
        const { tenantId, idempotencyKey } = duplicate.payment.record;
        const winner =
          created.find(({ payment }) => payment.idempotencyKey === idempotencyKey)?.payment ??
          (await store.findPaymentByIdempotencyKey(tenantId, idempotencyKey ?? ""));
        if (winner) settleExisting(duplicate, winner);
        else {
          duplicate.reject(
            new InsufficientFundsError(
              "The payment first sent with this idempotency key was refused before it was recorded.",
            ),
          );
        }
      }
      for (const { payment } of created) reserved.set(payment.id, payment.amount);

      const inOrder = resignFrom < 0 ? created : created.slice(0, resignFrom);
      const later = resignFrom < 0 ? [] : created.slice(resignFrom);
      const results = await this.#broadcastInOrder(
        adapter,
        signer,
        inOrder.map(({ payment }) => payment),
      );
      if (later.length > 0 && results.chainAvailable) {
        adapter.resetNonce?.(signer.address);
        const again = await this.#signAgainAndBroadcast(
          adapter,
          signer,
          later.map(({ payment }) => payment),
        );
        for (const [id, payment] of again.payments) results.payments.set(id, payment);
      }
      for (const { payment, waiting } of created) {
        const outcome = results.payments.get(payment.id) ?? payment;
        if (outcome.status === "SUBMITTED") this.deps.onSubmitted(outcome);
        else if (outcome.status === "FAILED") reserved.delete(payment.id);
        waiting.resolve({ payment: outcome, replayed: false });
      }
    } else {
      for (const duplicate of duplicates) {
        const { tenantId, idempotencyKey } = duplicate.payment.record;
        const winner = await store.findPaymentByIdempotencyKey(tenantId, idempotencyKey ?? "");
        if (winner) settleExisting(duplicate, winner);
        else {
          duplicate.reject(
            new InsufficientFundsError(
              "The payment first sent with this idempotency key was refused before it was recorded.",
            ),
          );
        }
      }
    }
  }

  async #signer(lane: AccountLane, adapter: ChainAdapter): Promise<Signer> {
    if (lane.from.keyId === null) throw new Error(`account ${lane.from.id} is MANAGED without a vault key`);
    return this.deps.vault.signer(lane.from.keyId, (publicKey) => adapter.addressOf(publicKey));
  }

  /**
   * Signs recorded SUBMITTED payments whose bytes were never broadcast again, with the nonces freed
   * before them, replaces their bytes in the store (write-ahead: durable before the chain can see
   * them), then broadcasts them in nonce order.
   */
  async #signAgainAndBroadcast(
    adapter: ChainAdapter,
    signer: Signer,
    payments: PaymentRecord[],
  ): Promise<BroadcastResults> {
    const at = new Date();
    const changes: PaymentChange[] = [];
    const signed: PaymentRecord[] = [];
    const results: BroadcastResults = { payments: new Map(), chainAvailable: true };
    for (const payment of payments) {
      try {
        const patch = submittedPatch(await adapter.prepareTransfer(transferOf(payment, signer)));
        changes.push({ paymentId: payment.id, patch, eventType: null, at });
        signed.push({ ...payment, ...patch, updatedAt: at });
      } catch (error) {
        const change = failure(payment, error, at);
        changes.push(change);
        results.payments.set(payment.id, { ...payment, ...change.patch, updatedAt: at });
      }
    }
    await this.deps.store.applyPaymentChanges(changes);
    const broadcast = await this.#broadcastInOrder(adapter, signer, signed);
    for (const [id, payment] of broadcast.payments) results.payments.set(id, payment);
    results.chainAvailable = broadcast.chainAvailable;
    return results;
  }

  /**
   * Broadcasts stored SUBMITTED payments in nonce order. A transaction the chain refuses fails its
   * payment; the ones after it were never broadcast, so they are signed again with the freed nonces
   * (their old bytes can never reach the chain: the new ones replace them in the store first). When
   * the chain is unreachable the rest stay SUBMITTED with their bytes: the tracker re-sends them.
   */
  async #broadcastInOrder(
    adapter: ChainAdapter,
    signer: Signer,
    payments: PaymentRecord[],
  ): Promise<BroadcastResults> {
    const results: BroadcastResults = { payments: new Map(), chainAvailable: true };
    for (const [index, payment] of payments.entries()) {
      results.payments.set(payment.id, payment);
      try {
        await adapter.broadcast(preparedOf(payment));
      } catch (error) {
        if (isAdapterError(error) && error.code === "UNAVAILABLE") {
          this.deps.logger.warn(
            { err: error, paymentId: payment.id },
            "chain unavailable; the tracker will re-send",
          );
          for (const rest of payments.slice(index)) results.payments.set(rest.id, rest);
          results.chainAvailable = false;
          return results;
        }
        const change = failure(payment, error, new Date());
        await this.deps.store.applyPaymentChanges([change]);
        results.payments.set(payment.id, { ...payment, ...change.patch, updatedAt: change.at });
        const rest = payments.slice(index + 1);
        if (rest.length === 0) return results;
        adapter.resetNonce?.(signer.address);
        const again = await this.#signAgainAndBroadcast(adapter, signer, rest);
        for (const [id, each] of again.payments) results.payments.set(id, each);
        results.chainAvailable = again.chainAvailable;
        return results;
      }
    }
    return results;
  }

  async #reserved(lane: AccountLane): Promise<Map<string, bigint>> {
    if (lane.reserved) return lane.reserved;
    const reserved = new Map<string, bigint>();
    for (const status of ["PENDING", "SUBMITTED"] as const) {
      let after: string | null = null;
      for (;;) {
        const page = await this.deps.store.listPayments(
          { tenantId: lane.from.tenantId, accountId: lane.from.id, direction: "OUTGOING", status },
          { first: 100, after },
        );
        for (const payment of page.items) reserved.set(payment.id, payment.amount);
        if (!page.hasNextPage) break;
        after = page.cursors.at(-1) ?? null;
      }
    }
    lane.reserved ??= reserved;
    return lane.reserved;
  }
}

function settleExisting(waiting: Waiting, existing: PaymentRecord): void {
  if (existing.inputHash === waiting.payment.record.inputHash) {
    waiting.resolve({ payment: existing, replayed: true });
  } else {
    waiting.reject(
      new IdempotencyConflictError(
        `idempotencyKey ${JSON.stringify(existing.idempotencyKey)} was already used for a different payment (${existing.id}); use a new key for a new payment.`,
        { paymentId: existing.id },
      ),
    );
  }
}

/**
 * A payment the chain (or the adapter, before signing) refused, with the reason for the caller. Its
 * transaction never reached a block, so it cost nothing (fee null). A refusal is CHAIN_REJECTED, as the
 * tracker names it; an expired transaction EXPIRED.
 */
function failure(payment: PaymentRecord, error: unknown, at: Date): PaymentChange {
  const code = !isAdapterError(error)
    ? "INTERNAL_ERROR"
    : error.code === "REJECTED"
      ? "CHAIN_REJECTED"
      : error.code;
  const message = isAdapterError(error) ? error.message : "The payment could not be sent.";
  return {
    paymentId: payment.id,
    patch: { status: "FAILED", errorCode: code, errorMessage: message, fee: null },
    eventType: "FAILED",
    at,
  };
}

interface BroadcastResults {
  /** Each payment as it now stands, by id. */
  payments: Map<string, PaymentRecord>;
  /** False when the chain was unreachable and broadcasting stopped. */
  chainAvailable: boolean;
}

/** The transfer a payment asks the chain for. */
function transferOf(payment: PaymentRecord, signer: Signer): TransferRequest {
  return {
    from: signer,
    to: payment.toAddress,
    asset: { ...payment.asset },
    amount: payment.amount,
    ...(payment.memo === null ? {} : { memo: payment.memo }),
  };
}

/** A signed transaction as the fields that store it on its payment, now SUBMITTED. */
function submittedPatch(tx: PreparedTransaction) {
  return {
    status: "SUBMITTED" as const,
    txHash: tx.hash,
    rawTransaction: tx.raw,
    nonce: tx.nonce,
    validUntilHeight: tx.validUntilHeight,
    fee: tx.fee,
  };
}

/** The stored signed transaction of a SUBMITTED payment, ready to broadcast again. */
function preparedOf(payment: PaymentRecord): PreparedTransaction {
  if (payment.txHash === null || payment.rawTransaction === null) {
    throw new Error(`payment ${payment.id} has no signed transaction to broadcast`);
  }
  return {
    hash: payment.txHash,
    raw: payment.rawTransaction,
    nonce: payment.nonce,
    validUntilHeight: payment.validUntilHeight,
    fee: payment.fee,
  };
}
