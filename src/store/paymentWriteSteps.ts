import type { NewPaymentEvent, PaymentChange, PaymentEventType, PaymentRecord } from "./store.ts";

// The steps of the payment writes that do not touch the database, shared by every Store so each
// checks the same preconditions and logs the same events for the same write.

/** Logs `payment` as it is now: the caller hands over a snapshot it will not mutate. */
export function paymentEvent(type: PaymentEventType, payment: PaymentRecord, at: Date): NewPaymentEvent {
  return {
    tenantId: payment.tenantId,
    paymentId: payment.id,
    accountId: payment.accountId,
    subnetId: payment.subnetId,
    type,
    payment,
    at,
  };
}

/** The events of a newly recorded outgoing payment; the first is the one recordPayment returns. */
export function creationEvents(payment: PaymentRecord): NewPaymentEvent[] {
  if (payment.status === "SUBMITTED") {
    // Recorded already signed: created and submitted in one write, two events.
    return [
      paymentEvent("CREATED", { ...payment, status: "PENDING" }, payment.createdAt),
      paymentEvent("SUBMITTED", { ...payment }, payment.updatedAt),
    ];
  }
  return [paymentEvent("CREATED", { ...payment }, payment.createdAt)];
}

/** recordPayment's precondition; returns the idempotency key it requires. */
export function requireOutgoingWithKey(payment: PaymentRecord): string {
  if (payment.direction !== "OUTGOING" || payment.idempotencyKey === null) {
    throw new Error(`recordPayment takes an OUTGOING payment with an idempotency key (got ${payment.id}).`);
  }
  return payment.idempotencyKey;
}

/** recordIncomingPayments' precondition, per payment. */
export function requireIdentifiedIncoming(payment: PaymentRecord): void {
  // Without a hash and an index the transfer has no identity, and a replayed block would double it.
  if (payment.direction !== "INCOMING" || payment.txHash === null || payment.transferIndex === null) {
    throw new Error(
      `recordIncomingPayments takes INCOMING payments with txHash and transferIndex (got ${payment.id}).`,
    );
  }
}

/** The payment after `change`, or an error if there was none to change. */
export function changedPayment(current: PaymentRecord | undefined, change: PaymentChange): PaymentRecord {
  if (current === undefined) {
    throw new Error(`Cannot change payment ${change.paymentId}: there is no such payment.`);
  }
  return { ...current, ...definedFields(change.patch), updatedAt: change.at };
}

/** The patch without keys set to undefined: an absent field keeps its value, an explicit null clears it. */
const definedFields = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
