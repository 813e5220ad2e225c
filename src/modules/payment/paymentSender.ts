import type { ChainAdapter, PreparedTransaction, Signer } from "../../../adapters/types.ts";
import { isAdapterError } from "../../../adapters/types.ts";
import { IdempotencyConflictError, InsufficientFundsError } from "../../errors/gatewayError.ts";
import type { EventBus } from "../../events/eventBus.ts";
import type { Logger } from "../../logger.ts";
import { formatAmount } from "../../money/amount.ts";
import type { AccountRecord, PaymentChange, PaymentRecord, Store } from "../../store/store.ts";
import type { Vault } from "../../vault/vault.ts";
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
  /** Recorded payments whose transaction still has to be signed (start-up recovery). */
  unsigned: PaymentRecord[];
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
 * A batch: check funds (chain balance minus what is already in flight) → record PENDING under the
 * idempotency key → sign → store the signed bytes (write-ahead) → broadcast in nonce order → SUBMITTED.
 * A crash anywhere leaves either no payment, an unsigned one (signed at restart) or stored bytes
 * (re-broadcast at restart): the chain sees one transaction per payment, never two.
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

  /** Start-up recovery: a payment recorded before a crash but never signed is signed and sent now. */
  resumeUnsigned(payment: PaymentRecord, from: AccountRecord): void {
    const lane = this.#lane(from);
    lane.unsigned.push(payment);
    this.#run(lane);
  }

  close(): void {
    this.#unsubscribe();
  }

  #lane(from: AccountRecord): AccountLane {
    let lane = this.#lanes.get(from.id);
    if (!lane) {
      lane = { from, waiting: [], unsigned: [], running: false, reserved: null };
      this.#lanes.set(from.id, lane);
    }
    return lane;
  }

  #run(lane: AccountLane): void {
    if (lane.running) return;
    lane.running = true;
    void (async () => {
      try {
        while (lane.waiting.length > 0 || lane.unsigned.length > 0) {
          const batch = lane.waiting.splice(0);
          const unsigned = lane.unsigned.splice(0);
          try {
            await this.#sendBatch(lane, batch, unsigned);
          } catch (error) {
            // A fault (store down, bug): every caller in the batch hears it; nothing half-done is
            // acknowledged, and what was recorded is picked up by recovery.
            this.deps.logger.error({ err: error, accountId: lane.from.id }, "payment batch failed");
            for (const waiting of batch) waiting.reject(error);
          }
        }
      } finally {
        lane.running = false;
      }
    })();
  }

  async #sendBatch(lane: AccountLane, batch: Waiting[], unsigned: PaymentRecord[]): Promise<void> {
    const { store, chains } = this.deps;
    const adapter = chains.adapterOf(lane.from.chainId);
    const toSign: { payment: PaymentRecord; waiting?: Waiting }[] = unsigned.map((payment) => ({ payment }));

    if (batch.length > 0) {
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

      const recorded = await Promise.all(
        accepted.map((waiting) => store.recordPayment(waiting.payment.record)),
      );
      const created: PaymentRecord[] = [];
      for (const [index, waiting] of accepted.entries()) {
        const result = recorded[index];
        if (!result) continue;
        if (result.created) {
          created.push(result.payment);
          toSign.push({ payment: result.payment, waiting });
        } else {
          settleExisting(waiting, result.payment); // another sender (or replica) won the key
        }
      }
      for (const duplicate of duplicates) {
        const { tenantId, idempotencyKey } = duplicate.payment.record;
        const winner =
          created.find((payment) => payment.idempotencyKey === idempotencyKey) ??
          (await store.findPaymentByIdempotencyKey(tenantId, idempotencyKey ?? ""));
        if (winner) settleExisting(duplicate, winner);
        else {
          duplicate.reject(
            new InsufficientFundsError(
              "The payment first sent with this idempotency key was refused: not enough funds.",
            ),
          );
        }
      }
      for (const payment of created) reserved.set(payment.id, payment.amount);
    }

    if (toSign.length === 0) return;
    if (lane.from.keyId === null) throw new Error(`account ${lane.from.id} is MANAGED without a vault key`);
    const signer = await this.deps.vault.signer(lane.from.keyId, (publicKey) => adapter.addressOf(publicKey));
    const final = await this.#signAndBroadcast(
      adapter,
      signer,
      toSign.map((item) => item.payment),
    );
    toSign.forEach(({ payment, waiting }) => {
      const outcome = final.get(payment.id) ?? payment;
      if (outcome.status === "SUBMITTED") this.deps.onSubmitted(outcome);
      else if (outcome.status === "FAILED") lane.reserved?.delete(payment.id);
      waiting?.resolve({ payment: outcome, replayed: false });
    });
  }

  /**
   * Signs each payment with consecutive nonces and stores the signed bytes with status SUBMITTED
   * (write-ahead: durable before the chain can see them, so the tracker can never confirm a payment
   * the store does not yet call SUBMITTED), then broadcasts in nonce order. A transaction the chain
   * refuses fails its payment; the ones after it were never broadcast, so they are signed again with
   * the freed nonces (their old bytes can never reach the chain: the new ones replace them first).
   */
  async #signAndBroadcast(
    adapter: ChainAdapter,
    signer: Signer,
    payments: PaymentRecord[],
  ): Promise<Map<string, PaymentRecord>> {
    const { store } = this.deps;
    const results = new Map<string, PaymentRecord>();
    let remaining = payments;
    while (remaining.length > 0) {
      const at = new Date();
      const changes: PaymentChange[] = [];
      const prepared: { payment: PaymentRecord; tx: PreparedTransaction }[] = [];
      for (const payment of remaining) {
        try {
          const tx = await adapter.prepareTransfer({
            from: signer,
            to: payment.toAddress,
            asset: { ...payment.asset },
            amount: payment.amount,
            ...(payment.memo === null ? {} : { memo: payment.memo }),
          });
          const patch = {
            status: "SUBMITTED" as const,
            txHash: tx.hash,
            rawTransaction: tx.raw,
            nonce: tx.nonce,
            validUntilHeight: tx.validUntilHeight,
            fee: tx.fee,
          };
          prepared.push({ payment, tx });
          // A payment signed again (after an earlier refusal freed its nonce) was already SUBMITTED.
          changes.push({
            paymentId: payment.id,
            patch,
            eventType: remaining === payments ? "SUBMITTED" : null,
            at,
          });
          results.set(payment.id, { ...payment, ...patch, updatedAt: at });
        } catch (error) {
          const change = failure(payment, error, at);
          changes.push(change);
          results.set(payment.id, { ...payment, ...change.patch, updatedAt: at });
        }
      }
      await store.applyPaymentChanges(changes);

      let refusedAt = -1;
      for (const [index, { payment, tx }] of prepared.entries()) {
        try {
          await adapter.broadcast(tx);
        } catch (error) {
          if (isAdapterError(error) && error.code === "UNAVAILABLE") {
            // Stays SUBMITTED with its bytes stored: the tracker re-sends them when the chain is back.
            this.deps.logger.warn(
              { err: error, paymentId: payment.id },
              "chain unavailable; the tracker will re-send",
            );
            break;
          }
          const change = failure(payment, error, new Date());
          await store.applyPaymentChanges([change]);
          results.set(payment.id, {
            ...(results.get(payment.id) ?? payment),
            ...change.patch,
            updatedAt: change.at,
          });
          refusedAt = index;
          break;
        }
      }
      if (refusedAt < 0) break;
      adapter.resetNonce?.(signer.address);
      remaining = prepared.slice(refusedAt + 1).map(({ payment }) => payment);
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

/** A payment the chain (or the adapter, before signing) refused, with the reason for the caller. */
function failure(payment: PaymentRecord, error: unknown, at: Date): PaymentChange {
  const code = isAdapterError(error) ? error.code : "INTERNAL_ERROR";
  const message = isAdapterError(error) ? error.message : "The payment could not be sent.";
  return {
    paymentId: payment.id,
    patch: { status: "FAILED", errorCode: code, errorMessage: message },
    eventType: "FAILED",
    at,
  };
}
