// What the local ledger keeps: every block since genesis with every transaction in it and the metadata a
// validator's blockstore holds for it (balances before and after, token balances, logs, inner instructions).

import type { UiTokenAmount } from "./tokenAccounts.ts";
import type { TransactionErrorJson } from "./transactionError.ts";
import type { WireTransaction } from "./wireTransaction.ts";

export type Commitment = "processed" | "confirmed" | "finalized";

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: UiTokenAmount;
}

export interface InnerInstruction {
  programIdIndex: number;
  accounts: number[];
  data: Uint8Array;
  stackHeight: number;
}

export interface InnerInstructionSet {
  /** The outer instruction these were invoked from. */
  index: number;
  instructions: InnerInstruction[];
}

export interface LoadedAddresses {
  writable: string[];
  readonly: string[];
}

export interface LandedTransaction {
  signature: string;
  slot: number;
  tx: WireTransaction;
  /** Static keys, then addresses loaded from lookup tables (writable, then readonly). */
  accountKeys: string[];
  loadedAddresses: LoadedAddresses;
  writable: boolean[];
  err: TransactionErrorJson | null;
  fee: bigint;
  /** Micro-lamports per compute unit the transaction offered (getRecentPrioritizationFees). */
  computeUnitPrice: bigint;
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  logMessages: string[];
  innerInstructions: InnerInstructionSet[];
  computeUnitsConsumed: bigint;
  returnData: { programId: string; data: Uint8Array } | null;
}

export interface Block {
  slot: number;
  blockhash: string;
  previousBlockhash: string;
  parentSlot: number;
  blockHeight: number;
  /** Unix seconds. */
  blockTime: number;
  transactions: LandedTransaction[];
  /** Transactions in this block and every block before it. */
  transactionCount: number;
  /** Accounts the block's transactions wrote (accountSubscribe and the pruning of older states). */
  writtenAccounts: string[];
}
