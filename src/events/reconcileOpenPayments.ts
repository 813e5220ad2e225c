import { type ChainAdapter, type ChainHead, isAdapterError } from "../../adapters/types.ts";
import type { Logger } from "../logger.ts";
import type { PaymentEventRecord, PaymentRecord, Store } from "../store/store.ts";
import {
  expiredMessage,
  failedChange,
  includedChange,
  isTerminalStatus,
  type PaymentChangeStep,
  paymentChange,
} from "./paymentChange.ts";

export interface ReconcileOpenPaymentsParameters {
  store: Store;
  adapter: ChainAdapter;
  logger: Logger;
  /** The chain's open payments (store.listOpenPayments); only OUTGOING PENDING/SUBMITTED ones are looked at. */
  payments: readonly PaymentRecord[];
  /**
   * Fail (NOT_SENT) a PENDING payment that has no stored transaction. Default true. Pass false when
   * something else signs such payments after a crash (they were never sent, so that is safe), or
   * when payments may be mid-way through signing right now.
   */
  failUnsigned?: boolean;
}

export interface ReconcileOpenPaymentsReturnType {
  /** The events appended, in cursor order: publish them. */
  events: PaymentEventRecord[];
  /** The payments that are still open, as they are now. */
  payments: PaymentRecord[];
}

/**
 * Start-up recovery: brings every payment a previous run left half-way in line with the chain,
 * without ever signing anything new. A stored transaction the chain does not know is re-broadcast
 * as the same bytes (the chain can only ever see it once), unless it has expired; a payment whose
 * transaction was never stored was never sent and fails. Run it before the payment service takes
 * requests: a payment being sent meanwhile would look abandoned.
 *
 * A payment the chain cannot be asked about right now (CHAIN_UNAVAILABLE) is logged and left as it
 * is: the watch confirms it if it lands, the next start looks again otherwise.
 */
export async function reconcileOpenPayments(
  parameters: ReconcileOpenPaymentsParameters,
): Promise<ReconcileOpenPaymentsReturnType> {
  const { store, adapter, logger } = parameters;
  const chainId = adapter.description.id;
  const latest = new Map(parameters.payments.map((payment) => [payment.id, payment]));
  const candidates = parameters.payments.filter(
    (payment) =>
      payment.chainId === chainId &&
      payment.direction === "OUTGOING" &&
      (payment.status === "PENDING" || payment.status === "SUBMITTED"),
  );
  if (candidates.length === 0) return { events: [], payments: [...latest.values()] };

  // The head is read before any status: a transaction unknown after this head can only land above
  // it, so "unknown and the head is past its validity" really means it never will.
  const head = await adapter.head();
  const steps: PaymentChangeStep[] = [];
  for (const payment of candidates) {
    try {
      steps.push(
        ...(await reconcileOne(adapter, payment, head, new Date(), parameters.failUnsigned ?? true, logger)),
      );
    } catch (error) {
      logger.warn(
        { err: error, paymentId: payment.id, chainId },
        "could not reconcile a payment with the chain; it stays as it is until the chain shows it or the next start",
      );
    }
  }
  if (steps.length === 0) return { events: [], payments: [...latest.values()] };

  const events = await store.applyPaymentChanges(steps.map((step) => step.change));
  for (const step of steps) {
    if (isTerminalStatus(step.payment.status)) latest.delete(step.payment.id);
    else latest.set(step.payment.id, step.payment);
  }
  logger.info({ chainId, changed: steps.length }, "reconciled open payments with the chain");
  return { events, payments: [...latest.values()] };
}

async function reconcileOne(
  adapter: ChainAdapter,
  payment: PaymentRecord,
  head: ChainHead,
  at: Date,
  failUnsigned: boolean,
  logger: Logger,
): Promise<PaymentChangeStep[]> {
  if (payment.txHash === null) {
    return failUnsigned && payment.status === "PENDING" ? [notSent(payment, at)] : [];
  }
  const status = await adapter.getTransactionStatus(payment.txHash);
  switch (status.state) {
    case "INCLUDED": {
      const confirmations = head.height >= status.height ? Number(head.height - status.height + 1n) : 1;
      const confirmed = includedChange(payment, status, confirmations, at);
      if (confirmations < adapter.description.capabilities.finalityDepth) return [confirmed];
      return [confirmed, paymentChange(confirmed.payment, { status: "FINALIZED" }, "FINALIZED", at)];
    }
    case "FAILED":
      return [failedChange(payment, "CHAIN_REJECTED", status.reason, at, status.height)];
    case "PENDING":
      // Stuck: the node holds it but cannot include it now. It is not failed (it may still land, and
      // a payment is never sent again with a new nonce while its transaction can), but reported.
      if (status.stuck !== undefined) {
        logger.warn(
          {
            paymentId: payment.id,
            txHash: payment.txHash,
            chainId: payment.chainId,
            since: payment.updatedAt,
          },
          `a payment's transaction is stuck: ${status.stuck}`,
        );
      }
      return payment.status === "PENDING" ? [submitted(payment, at)] : [];
    case "UNKNOWN": {
      if (payment.validUntilHeight !== null && head.height > payment.validUntilHeight) {
        return [failedChange(payment, "EXPIRED", expiredMessage(payment.validUntilHeight), at)];
      }
      if (payment.rawTransaction === null) {
        return failUnsigned && payment.status === "PENDING" ? [notSent(payment, at)] : [];
      }
      try {
        // The very bytes stored before the first broadcast: same hash, same nonce, never a second transaction.
        await adapter.broadcast({
          hash: payment.txHash,
          raw: payment.rawTransaction,
          nonce: payment.nonce,
          validUntilHeight: payment.validUntilHeight,
          fee: payment.fee,
        });
      } catch (error) {
        if (isAdapterError(error) && error.code === "EXPIRED")
          return [failedChange(payment, "EXPIRED", error.message, at)];
        if (!isAdapterError(error) || error.code !== "REJECTED") throw error;
        return [failedChange(payment, "CHAIN_REJECTED", error.message, at)];
      }
      return payment.status === "PENDING" ? [submitted(payment, at)] : [];
    }
  }
}

const submitted = (payment: PaymentRecord, at: Date) =>
  paymentChange(payment, { status: "SUBMITTED" }, "SUBMITTED", at);

const notSent = (payment: PaymentRecord, at: Date) =>
  failedChange(
    payment,
    "NOT_SENT",
    "The payment was not sent: the gateway stopped before its transaction was signed and stored. Send it again with a new idempotency key.",
    at,
  );
