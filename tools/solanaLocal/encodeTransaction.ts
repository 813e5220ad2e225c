// A landed transaction as getTransaction and getBlock answer it (EncodedTransactionWithStatusMeta):
// the message in "json" (base58 instruction data) or as base64/base58 bytes, and the status meta.
import { base58 } from "@scure/base";
import type { LandedTransaction } from "./ledger.ts";
import { invalidParams, unsupportedTransactionVersion } from "./rpcError.ts";

export type TransactionEncoding = "json" | "base64" | "base58";
export type TransactionDetails = "full" | "signatures" | "none" | "accounts";

export function transactionEncodingParam(value: unknown): TransactionEncoding {
  if (value === undefined || value === null || value === "json") return "json";
  if (value === "base64" || value === "base58") return value;
  if (value === "binary") return "base58";
  if (value === "jsonParsed") {
    throw invalidParams(
      "Invalid params: solanaLocal does not parse instructions (jsonParsed); use json or base64 encoding",
    );
  }
  throw invalidParams(
    `Invalid params: unknown variant \`${String(value)}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``,
  );
}

export function transactionDetailsParam(value: unknown): TransactionDetails {
  if (value === undefined || value === null) return "full";
  if (value === "full" || value === "signatures" || value === "none" || value === "accounts") return value;
  throw invalidParams(
    `Invalid params: unknown variant \`${String(value)}\`, expected one of \`full\`, \`signatures\`, \`none\`, \`accounts\``,
  );
}

export function maxSupportedVersionParam(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== 0)
    throw invalidParams(`Invalid params: unsupported maxSupportedTransactionVersion ${String(value)}`);
  return 0;
}

export interface TransactionEncodeOptions {
  encoding: TransactionEncoding;
  maxSupportedTransactionVersion: number | undefined;
  showRewards: boolean;
}

/** Refuses a v0 transaction to a client that did not say it reads them, as a validator does. */
export function checkVersionSupported(
  transaction: LandedTransaction,
  maxSupported: number | undefined,
): void {
  if (transaction.tx.version === 0 && maxSupported === undefined) throw unsupportedTransactionVersion(0);
}

const b58 = (bytes: Uint8Array) => base58.encode(bytes);

function encodeMessage(transaction: LandedTransaction): unknown {
  const { tx } = transaction;
  return {
    accountKeys: tx.staticAccountKeys,
    header: tx.header,
    instructions: tx.instructions.map((instruction) => ({
      accounts: instruction.accounts,
      data: b58(instruction.data),
      programIdIndex: instruction.programIdIndex,
      stackHeight: null,
    })),
    recentBlockhash: tx.recentBlockhash,
    ...(tx.version === 0 ? { addressTableLookups: tx.addressTableLookups } : {}),
  };
}

function encodeBody(transaction: LandedTransaction, encoding: TransactionEncoding): unknown {
  if (encoding === "base64") return [Buffer.from(transaction.tx.bytes).toString("base64"), "base64"];
  if (encoding === "base58") return [b58(transaction.tx.bytes), "base58"];
  return { message: encodeMessage(transaction), signatures: transaction.tx.signatures };
}

const status = (transaction: LandedTransaction) =>
  transaction.err === null ? { Ok: null } : { Err: transaction.err };

export function encodeMeta(transaction: LandedTransaction, showRewards: boolean): Record<string, unknown> {
  return {
    computeUnitsConsumed: transaction.computeUnitsConsumed,
    err: transaction.err,
    fee: transaction.fee,
    innerInstructions: transaction.innerInstructions.map((set) => ({
      index: set.index,
      instructions: set.instructions.map((instruction) => ({
        accounts: instruction.accounts,
        data: b58(instruction.data),
        programIdIndex: instruction.programIdIndex,
        stackHeight: instruction.stackHeight,
      })),
    })),
    loadedAddresses: transaction.loadedAddresses,
    logMessages: transaction.logMessages,
    postBalances: transaction.postBalances,
    postTokenBalances: transaction.postTokenBalances,
    preBalances: transaction.preBalances,
    preTokenBalances: transaction.preTokenBalances,
    ...(transaction.returnData === null
      ? {}
      : {
          returnData: {
            programId: transaction.returnData.programId,
            data: [Buffer.from(transaction.returnData.data).toString("base64"), "base64"],
          },
        }),
    ...(showRewards ? { rewards: [] } : {}),
    status: status(transaction),
  };
}

/** { transaction, meta, version? } as in getBlock's transactions and (with slot, blockTime) getTransaction. */
export function encodeTransactionWithMeta(
  transaction: LandedTransaction,
  options: TransactionEncodeOptions,
): Record<string, unknown> {
  checkVersionSupported(transaction, options.maxSupportedTransactionVersion);
  return {
    meta: encodeMeta(transaction, options.showRewards),
    transaction: encodeBody(transaction, options.encoding),
    ...(options.maxSupportedTransactionVersion === undefined ? {} : { version: transaction.tx.version }),
  };
}

/** getBlock's transactionDetails "accounts": keys with their roles, and the balance part of the meta. */
export function encodeTransactionAccounts(
  transaction: LandedTransaction,
  options: TransactionEncodeOptions,
): Record<string, unknown> {
  checkVersionSupported(transaction, options.maxSupportedTransactionVersion);
  const staticCount = transaction.tx.staticAccountKeys.length;
  return {
    meta: {
      err: transaction.err,
      fee: transaction.fee,
      postBalances: transaction.postBalances,
      postTokenBalances: transaction.postTokenBalances,
      preBalances: transaction.preBalances,
      preTokenBalances: transaction.preTokenBalances,
      ...(options.showRewards ? { rewards: [] } : {}),
      status: status(transaction),
    },
    transaction: {
      accountKeys: transaction.accountKeys.map((pubkey, index) => ({
        pubkey,
        signer: index < transaction.tx.header.numRequiredSignatures,
        source: index < staticCount ? "transaction" : "lookupTable",
        writable: transaction.writable[index] ?? false,
      })),
      signatures: transaction.tx.signatures,
    },
    ...(options.maxSupportedTransactionVersion === undefined ? {} : { version: transaction.tx.version }),
  };
}
