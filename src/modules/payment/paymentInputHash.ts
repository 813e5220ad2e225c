import { createHash } from "node:crypto";

export interface CanonicalPaymentInput {
  fromAccountId: string;
  toAccountId: string | null;
  toAddress: string;
  /** Base units, so "1.50" and "1.5" are the same payment. */
  amount: bigint;
  memo: string | null;
}

/** SHA-256 of the normalized input: equal for a replay, different for a conflicting reuse of a key. */
export function paymentInputHash(input: CanonicalPaymentInput): string {
  const canonical = JSON.stringify([
    input.fromAccountId,
    input.toAccountId,
    input.toAddress,
    input.amount.toString(),
    input.memo,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
