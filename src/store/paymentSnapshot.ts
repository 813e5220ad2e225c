import type { AssetRecord, PaymentRecord } from "./store.ts";

// The event log keeps the payment as it was right after each change, as JSON text. JSON has no
// bigint, bytes or dates, so each is spelled out: bigints as decimal strings, bytes as base64, times
// as ISO-8601. Field by field on purpose: a new PaymentRecord field fails the type check here instead
// of silently vanishing from (or appearing raw in) the log.

/** A PaymentRecord in JSON-safe types. */
interface PaymentSnapshot {
  id: string;
  tenantId: string;
  direction: PaymentRecord["direction"];
  accountId: string;
  subnetId: string;
  chainId: string;
  asset: AssetRecord;
  amount: string;
  fromAddress: string;
  toAddress: string;
  toAccountId: string | null;
  memo: string | null;
  status: PaymentRecord["status"];
  txHash: string | null;
  rawTransaction: string | null;
  nonce: string | null;
  validUntilHeight: string | null;
  blockHeight: string | null;
  blockHash: string | null;
  transferIndex: number | null;
  confirmations: number;
  fee: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  idempotencyKey: string | null;
  inputHash: string | null;
  createdAt: string;
  updatedAt: string;
}

const bigintText = (value: bigint | null): string | null => (value === null ? null : value.toString());
const textBigint = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

export function encodePaymentSnapshot(p: PaymentRecord): string {
  const snapshot: PaymentSnapshot = {
    id: p.id,
    tenantId: p.tenantId,
    direction: p.direction,
    accountId: p.accountId,
    subnetId: p.subnetId,
    chainId: p.chainId,
    asset: {
      id: p.asset.id,
      chainId: p.asset.chainId,
      kind: p.asset.kind,
      symbol: p.asset.symbol,
      decimals: p.asset.decimals,
      address: p.asset.address,
    },
    amount: p.amount.toString(),
    fromAddress: p.fromAddress,
    toAddress: p.toAddress,
    toAccountId: p.toAccountId,
    memo: p.memo,
    status: p.status,
    txHash: p.txHash,
    rawTransaction: p.rawTransaction === null ? null : Buffer.from(p.rawTransaction).toString("base64"),
    nonce: bigintText(p.nonce),
    validUntilHeight: bigintText(p.validUntilHeight),
    blockHeight: bigintText(p.blockHeight),
    blockHash: p.blockHash,
    transferIndex: p.transferIndex,
    confirmations: p.confirmations,
    fee: bigintText(p.fee),
    errorCode: p.errorCode,
    errorMessage: p.errorMessage,
    idempotencyKey: p.idempotencyKey,
    inputHash: p.inputHash,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
  return JSON.stringify(snapshot);
}

export function decodePaymentSnapshot(json: string): PaymentRecord {
  const s = JSON.parse(json) as PaymentSnapshot;
  return {
    id: s.id,
    tenantId: s.tenantId,
    direction: s.direction,
    accountId: s.accountId,
    subnetId: s.subnetId,
    chainId: s.chainId,
    asset: { ...s.asset },
    amount: BigInt(s.amount),
    fromAddress: s.fromAddress,
    toAddress: s.toAddress,
    toAccountId: s.toAccountId,
    memo: s.memo,
    status: s.status,
    txHash: s.txHash,
    rawTransaction:
      s.rawTransaction === null ? null : new Uint8Array(Buffer.from(s.rawTransaction, "base64")),
    nonce: textBigint(s.nonce),
    validUntilHeight: textBigint(s.validUntilHeight),
    blockHeight: textBigint(s.blockHeight),
    blockHash: s.blockHash,
    transferIndex: s.transferIndex,
    confirmations: s.confirmations,
    fee: textBigint(s.fee),
    errorCode: s.errorCode,
    errorMessage: s.errorMessage,
    idempotencyKey: s.idempotencyKey,
    inputHash: s.inputHash,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}
