/**
 * Why a transaction or request was refused. Each reason is stable and machine-readable; the message
 * is for people. Admission answers exactly one reason per refused transaction.
 */
export type RejectReason =
  | "BAD_SIGNATURE"
  | "WRONG_CHAIN_ID"
  | "NONCE_USED"
  | "NONCE_GAP"
  | "EXPIRED"
  | "INSUFFICIENT_FUNDS"
  | "UNKNOWN_ASSET"
  | "UNKNOWN_SUBNET"
  | "NOT_ISSUER"
  | "NOT_SUBNET_OWNER"
  | "DUPLICATE_SYMBOL"
  | "BAD_AMOUNT"
  | "MEMO_TOO_LONG"
  | "MALFORMED"
  | "OVERSIZE"
  | "FAUCET_DISABLED"
  | "BAD_ADDRESS"
  | "MEMPOOL_FULL"
  | "UNKNOWN_TRANSACTION";

export class RefchainError extends Error {
  override name = "RefchainError" as const;
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

export const reject = (reason: RejectReason, message: string): never => {
  throw new RefchainError(reason, message);
};
