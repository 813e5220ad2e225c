import type { PaymentChange, PaymentEventType, PaymentRecord, PaymentStatus } from "../store/store.ts";

/** Why the tracker failed a payment (PaymentRecord.errorCode). */
export type PaymentFailureCode =
  /** The chain refused the transaction or included it as failed; the message is the chain's reason. */
  | "CHAIN_REJECTED"
  /** The transaction was never included and no longer can be (past its validUntilHeight). */
  | "EXPIRED"
  /** The gateway stopped before the signed transaction was stored: nothing was sent. */
  | "NOT_SENT";

/** A change ready for store.applyPaymentChanges, and the payment as it will be once applied. */
export interface PaymentChangeStep {
  change: PaymentChange;
  payment: PaymentRecord;
}

/**
 * Builds one change and applies it to the in-memory copy too, so the tracker follows the store
 * without reading each payment back after every block.
 */
export function paymentChange(
  payment: PaymentRecord,
  patch: PaymentChange["patch"],
  eventType: PaymentEventType | null,
  at: Date,
): PaymentChangeStep {
  return {
    change: { paymentId: payment.id, patch, eventType, at },
    payment: { ...payment, ...patch, updatedAt: at },
  };
}

/** FINALIZED and FAILED payments never change again: the tracker forgets them. */
export const isTerminalStatus = (status: PaymentStatus): boolean =>
  status === "FINALIZED" || status === "FAILED";

/** The payment FAILED with `code` and a sentence a person can act on (at `blockHeight` when the chain failed it there). */
export function failedChange(
  payment: PaymentRecord,
  code: PaymentFailureCode,
  message: string,
  at: Date,
  blockHeight?: bigint | null,
): PaymentChangeStep {
  const patch: PaymentChange["patch"] = { status: "FAILED", errorCode: code, errorMessage: message };
  // In a block, the failed transaction still paid its fee; never included, it paid nothing.
  if (blockHeight !== undefined && blockHeight !== null) patch.blockHeight = blockHeight;
  else patch.fee = null;
  return paymentChange(payment, patch, "FAILED", at);
}

export const expiredMessage = (validUntilHeight: bigint | null): string =>
  `The transaction was never included and expired at height ${validUntilHeight}; nothing was sent. Send the payment again with a new idempotency key.`;

/** CONFIRMED in the block the chain reports for its transaction. */
export function includedChange(
  payment: PaymentRecord,
  included: { height: bigint; blockHash: string; fee: bigint | null },
  confirmations: number,
  at: Date,
): PaymentChangeStep {
  return paymentChange(
    payment,
    {
      status: "CONFIRMED",
      blockHeight: included.height,
      blockHash: included.blockHash,
      confirmations,
      fee: included.fee ?? payment.fee,
    },
    "CONFIRMED",
    at,
  );
}
