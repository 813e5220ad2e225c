// Runs one transaction on LiteSVM and collects what a validator records about it: balances and token
// balances before and after, logs, inner instructions, compute units, and the accounts' prior states.
import { base58 } from "@scure/base";
import { FailedTransactionMetadata, type LiteSvm, type TransactionMetadata } from "litesvm/dist/internal.js";
import { type AccountSnapshot, readAccount } from "./accountSnapshot.ts";
import type { InnerInstructionSet, LoadedAddresses, TokenBalance } from "./ledger.ts";
import { readTokenAccount, storedUiTokenAmount } from "./tokenAccounts.ts";
import { type TransactionErrorJson, transactionErrorFromLiteSvm } from "./transactionError.ts";
import { isWritableIndex, sanitizeFailure, type WireTransaction } from "./wireTransaction.ts";

const ADDRESS_LOOKUP_TABLE_PROGRAM = "AddressLookupTab1e1111111111111111111111111";
const LOOKUP_TABLE_META_SIZE = 56;

/** A transaction that a validator refuses before running it, with the TransactionError name it gives. */
export class TransactionLoadError extends Error {
  constructor(readonly errorName: string) {
    super(errorName);
  }
}

export interface ResolvedTransaction {
  tx: WireTransaction;
  /** Static keys, then looked-up writable, then looked-up readonly. */
  accountKeys: string[];
  accountKeyBytes: Uint8Array[];
  loadedAddresses: LoadedAddresses;
  writable: boolean[];
  /** Indexes of the keys invoked as programs. */
  programIndexes: Set<number>;
}

function lookUp(
  svm: LiteSvm,
  tableKey: string,
  indexes: number[],
  keys: string[],
  bytes: Uint8Array[],
): void {
  const table = readAccount(svm, base58.decode(tableKey));
  if (table === null) throw new TransactionLoadError("AddressLookupTableNotFound");
  if (table.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM)
    throw new TransactionLoadError("InvalidAddressLookupTableOwner");
  const addressBytes = table.data.length - LOOKUP_TABLE_META_SIZE;
  if (addressBytes < 0 || addressBytes % 32 !== 0)
    throw new TransactionLoadError("InvalidAddressLookupTableData");
  for (const index of indexes) {
    if (index >= addressBytes / 32) throw new TransactionLoadError("InvalidAddressLookupTableIndex");
    const start = LOOKUP_TABLE_META_SIZE + index * 32;
    const key = table.data.subarray(start, start + 32);
    bytes.push(key);
    keys.push(base58.encode(key));
  }
}

/** Loads looked-up addresses and sanitizes; throws TransactionLoadError as a validator's sanitizer would refuse. */
export function resolveTransaction(svm: LiteSvm, tx: WireTransaction): ResolvedTransaction {
  const writableKeys: string[] = [];
  const writableBytes: Uint8Array[] = [];
  const readonlyKeys: string[] = [];
  const readonlyBytes: Uint8Array[] = [];
  for (const lookup of tx.addressTableLookups) {
    lookUp(svm, lookup.accountKey, lookup.writableIndexes, writableKeys, writableBytes);
    lookUp(svm, lookup.accountKey, lookup.readonlyIndexes, readonlyKeys, readonlyBytes);
  }
  const accountKeys = [...tx.staticAccountKeys, ...writableKeys, ...readonlyKeys];
  const failure = sanitizeFailure(tx, accountKeys);
  if (failure !== null) throw new TransactionLoadError(failure);
  const programIndexes = new Set(tx.instructions.map((instruction) => instruction.programIdIndex));
  return {
    tx,
    accountKeys,
    accountKeyBytes: [...tx.staticAccountKeyBytes, ...writableBytes, ...readonlyBytes],
    loadedAddresses: { writable: writableKeys, readonly: readonlyKeys },
    // A validator demotes invoked programs to readonly whatever the header says.
    writable: accountKeys.map(
      (_, index) => !programIndexes.has(index) && isWritableIndex(tx, index, writableKeys.length),
    ),
    programIndexes,
  };
}

interface AccountsSeen {
  balances: bigint[];
  tokenBalances: TokenBalance[];
  /** Full states of the accounts that are not programs (programs are only read for their balance). */
  states: (AccountSnapshot | null)[];
}

export type MintDecimals = (mint: string) => number | null;

function seeAccounts(svm: LiteSvm, resolved: ResolvedTransaction, mintDecimals: MintDecimals): AccountsSeen {
  const balances: bigint[] = [];
  const tokenBalances: TokenBalance[] = [];
  const states: (AccountSnapshot | null)[] = [];
  resolved.accountKeyBytes.forEach((keyBytes, accountIndex) => {
    if (resolved.programIndexes.has(accountIndex)) {
      balances.push(svm.getBalance(keyBytes) ?? 0n);
      states.push(null);
      return;
    }
    const state = readAccount(svm, keyBytes);
    states.push(state);
    balances.push(state?.lamports ?? 0n);
    const token = state === null ? null : readTokenAccount(state.owner, state.data);
    if (state === null || token === null) return;
    const decimals = mintDecimals(token.mint);
    if (decimals === null) return;
    tokenBalances.push({
      accountIndex,
      mint: token.mint,
      owner: token.owner,
      programId: state.owner,
      uiTokenAmount: storedUiTokenAmount(token.amount, decimals),
    });
  });
  return { balances, tokenBalances, states };
}

export interface ExecutionMeta {
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
}

export interface Execution {
  err: TransactionErrorJson | null;
  /** Whether the ledger changed: a success, or a failure that still took the fee. */
  changedState: boolean;
  logs: string[];
  unitsConsumed: bigint;
  innerInstructions: InnerInstructionSet[];
  returnData: { programId: string; data: Uint8Array } | null;
  /** Writable accounts as they were before, by key index (to undo a refused preflight, and for history). */
  writablePreStates: Map<number, AccountSnapshot | null>;
  /** Balances after the fact; read only for a transaction that lands. */
  meta(): ExecutionMeta;
}

export function innerInstructionSets(metadata: TransactionMetadata): InnerInstructionSet[] {
  const sets: InnerInstructionSet[] = [];
  metadata.innerInstructions().forEach((inner, index) => {
    if (inner.length === 0) return;
    sets.push({
      index,
      instructions: inner.map((invocation) => {
        const instruction = invocation.instruction();
        return {
          programIdIndex: instruction.programIdIndex(),
          accounts: Array.from(instruction.accounts()),
          data: instruction.data(),
          stackHeight: invocation.stackHeight(),
        };
      }),
    });
  });
  return sets;
}

export function returnDataOf(metadata: TransactionMetadata): Execution["returnData"] {
  const returned = metadata.returnData();
  const data = returned.data();
  return data.length === 0 ? null : { programId: base58.encode(returned.programId()), data };
}

/** Runs the transaction (LiteSVM commits what succeeded, and the fee of what failed after loading). */
export function executeTransaction(
  svm: LiteSvm,
  resolved: ResolvedTransaction,
  mintDecimals: MintDecimals,
): Execution {
  const before = seeAccounts(svm, resolved, mintDecimals);
  const result = svm.sendVersionedTransaction(resolved.tx.bytes);
  const failed = result instanceof FailedTransactionMetadata;
  const metadata = failed ? result.meta() : result;
  const payerAfter = svm.getBalance(resolved.accountKeyBytes[0] as Uint8Array) ?? 0n;
  const writablePreStates = new Map<number, AccountSnapshot | null>();
  resolved.writable.forEach((isWritable, index) => {
    if (isWritable) writablePreStates.set(index, before.states[index] ?? null);
  });
  return {
    err: failed ? transactionErrorFromLiteSvm(result.err()) : null,
    changedState: !failed || payerAfter < (before.balances[0] ?? 0n),
    logs: metadata.logs(),
    unitsConsumed: metadata.computeUnitsConsumed(),
    innerInstructions: innerInstructionSets(metadata),
    returnData: returnDataOf(metadata),
    writablePreStates,
    meta() {
      const after = seeAccounts(svm, resolved, mintDecimals);
      return {
        preBalances: before.balances,
        postBalances: after.balances,
        preTokenBalances: before.tokenBalances,
        postTokenBalances: after.tokenBalances,
      };
    },
  };
}
