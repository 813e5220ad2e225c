import { newId } from "../../ids.ts";
import type { AccountRecord, AssetRecord, PaymentRecord } from "../../store/store.ts";

export interface NewOutgoingPaymentParameters {
  from: AccountRecord;
  asset: AssetRecord;
  /** Base units. */
  amount: bigint;
  toAddress: string;
  toAccountId?: string | null;
  memo?: string | null;
  idempotencyKey: string;
  inputHash: string;
  at?: Date;
}

/** A new OUTGOING payment as sendPayment records it: PENDING, nothing signed, nothing on chain yet. */
export function newOutgoingPayment(parameters: NewOutgoingPaymentParameters): PaymentRecord {
  const { from, at = new Date() } = parameters;
  return {
    id: newId("pay"),
    tenantId: from.tenantId,
    direction: "OUTGOING",
    accountId: from.id,
    subnetId: from.subnetId,
    chainId: from.chainId,
    asset: parameters.asset,
    amount: parameters.amount,
    fromAddress: from.address,
    toAddress: parameters.toAddress,
    toAccountId: parameters.toAccountId ?? null,
    memo: parameters.memo ?? null,
    status: "PENDING",
    txHash: null,
    rawTransaction: null,
    nonce: null,
    validUntilHeight: null,
    blockHeight: null,
    blockHash: null,
    transferIndex: null,
    confirmations: 0,
    fee: null,
    errorCode: null,
    errorMessage: null,
    idempotencyKey: parameters.idempotencyKey,
    inputHash: parameters.inputHash,
    createdAt: at,
    updatedAt: at,
  };
}
