// RPC methods that send, simulate, price and look up transactions.
import { base58 } from "@scure/base";
import type { RpcMethod } from "./clusterMethods.ts";
import { accountEncodingParam, encodeAccount } from "./encodeAccount.ts";
import {
  encodeTransactionWithMeta,
  maxSupportedVersionParam,
  transactionEncodingParam,
} from "./encodeTransaction.ts";
import { TransactionLoadError } from "./executeTransaction.ts";
import type { InnerInstructionSet, LandedTransaction } from "./ledger.ts";
import type { LocalChain, Refusal } from "./localChain.ts";
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  invalidParams,
  RpcError,
  SEND_TRANSACTION_PREFLIGHT_FAILURE,
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
} from "./rpcError.ts";
import {
  commitmentParam,
  configParam,
  confirmedOrFinalized,
  contextSlot,
  decodeBinary,
  integerParam,
  type Params,
  pubkeyParam,
  required,
  signatureParam,
  stringParam,
  withContext,
} from "./rpcParams.ts";
import { describeTransactionError } from "./transactionError.ts";
import { transactionFee } from "./transactionFee.ts";
import { MalformedTransactionError, PACKET_DATA_SIZE, readWireTransaction } from "./wireTransaction.ts";

const TRANSACTION_TYPE = "solana_transaction::versioned::VersionedTransaction";
const MAX_BASE58_SIZE = 1683;
const MAX_BASE64_SIZE = 1644;
const MAX_SIGNATURE_STATUSES = 256;
const MAX_SIGNATURES_FOR_ADDRESS = 1000;
const MEMO_PROGRAMS = new Set([
  "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
  "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo",
]);

function binaryEncodingParam(value: unknown): "base58" | "base64" {
  if (value === undefined || value === null || value === "base58") return "base58";
  if (value === "base64") return "base64";
  throw invalidParams(`unsupported encoding: ${String(value)}. Supported encodings: base58, base64`);
}

/** Wire bytes of a transaction param, refused as a validator refuses oversized or undecodable ones. */
function transactionBytes(params: Params, encodingValue: unknown): Uint8Array {
  const data = stringParam(params[0]);
  const encoding = binaryEncodingParam(encodingValue);
  const maxEncoded = encoding === "base58" ? MAX_BASE58_SIZE : MAX_BASE64_SIZE;
  if (data.length > maxEncoded) {
    throw invalidParams(
      `${encoding} encoded ${TRANSACTION_TYPE} too large: ${data.length} bytes (max: encoded/raw ${maxEncoded}/${PACKET_DATA_SIZE})`,
    );
  }
  const bytes = decodeBinary(data, encoding);
  if (bytes.length > PACKET_DATA_SIZE) {
    throw invalidParams(
      `decoded ${TRANSACTION_TYPE} too large: ${bytes.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`,
    );
  }
  return bytes;
}

/** Runs `body`, turning what a validator refuses before execution into its invalid-params errors. */
function refusingMalformed<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof MalformedTransactionError) {
      throw invalidParams(`failed to deserialize ${TRANSACTION_TYPE}: ${error.message}`);
    }
    if (error instanceof TransactionLoadError) {
      throw invalidParams(`invalid transaction: ${describeTransactionError(error.errorName)}`);
    }
    throw error;
  }
}

const encodeReturnData = (returnData: Refusal["returnData"]) =>
  returnData === null
    ? null
    : { programId: returnData.programId, data: [Buffer.from(returnData.data).toString("base64"), "base64"] };

function encodeInnerInstructions(sets: InnerInstructionSet[], accountKeys: string[]): unknown {
  return sets.map((set) => ({
    index: set.index,
    instructions: set.instructions.map((instruction) => ({
      accounts: instruction.accounts.map((index) => accountKeys[index]),
      data: base58.encode(instruction.data),
      programId: accountKeys[instruction.programIdIndex],
      stackHeight: instruction.stackHeight,
    })),
  }));
}

/** Memos as a validator lists them in getSignaturesForAddress: "[len] text" joined by "; ". */
function memoOf(transaction: LandedTransaction): string | null {
  const memos: string[] = [];
  for (const instruction of transaction.tx.instructions) {
    if (!MEMO_PROGRAMS.has(transaction.accountKeys[instruction.programIdIndex] ?? "")) continue;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(instruction.data);
    } catch {
      text = "(unparseable)";
    }
    memos.push(`[${instruction.data.length}] ${text}`);
  }
  return memos.length === 0 ? null : memos.join("; ");
}

export interface TransactionMethodOptions {
  airdrop: boolean;
}

export function transactionMethods(
  chain: LocalChain,
  options: TransactionMethodOptions,
): Record<string, RpcMethod> {
  const statusOf = (transaction: LandedTransaction) => {
    // A transaction in the open slot has been processed by the working bank, as a leader's is: the
    // validator reports it "processed" (0 confirmations) before its block is sealed.
    const open = transaction.slot > chain.latestSlot;
    const confirmationStatus = open ? "processed" : chain.commitmentOf(transaction.slot);
    return {
      confirmationStatus,
      confirmations:
        confirmationStatus === "finalized" ? null : open ? 0 : chain.latestSlot - transaction.slot,
      err: transaction.err,
      slot: transaction.slot,
      status: transaction.err === null ? { Ok: null } : { Err: transaction.err },
    };
  };

  return {
    sendTransaction: (params) => {
      required(params, 1);
      const config = configParam(params, 1);
      const bytes = transactionBytes(params, config.encoding);
      const preflight = config.skipPreflight !== true;
      const preflightCommitment = commitmentParam({ commitment: config.preflightCommitment });
      contextSlot(chain, { commitment: preflightCommitment, minContextSlot: config.minContextSlot });
      const outcome = refusingMalformed(() => chain.submit(bytes, { preflight, preflightCommitment }));
      if (outcome.kind === "landed") return outcome.transaction.signature;
      if (outcome.kind === "dropped") return outcome.signature;
      if (outcome.kind === "signatureFailure") {
        throw new RpcError(
          TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
          "Transaction signature verification failure",
        );
      }
      const { err, logs, unitsConsumed, returnData } = outcome.refusal;
      throw new RpcError(
        SEND_TRANSACTION_PREFLIGHT_FAILURE,
        `Transaction simulation failed: ${describeTransactionError(err)}`,
        {
          accounts: null,
          err,
          innerInstructions: null,
          logs,
          replacementBlockhash: null,
          returnData: encodeReturnData(returnData),
          unitsConsumed,
        },
      );
    },
    simulateTransaction: (params) => {
      required(params, 1);
      const config = configParam(params, 1);
      const bytes = transactionBytes(params, config.encoding);
      const sigVerify = config.sigVerify === true;
      const replaceRecentBlockhash = config.replaceRecentBlockhash === true;
      if (sigVerify && replaceRecentBlockhash) {
        throw invalidParams("sigVerify may not be used with replaceRecentBlockhash");
      }
      const commitment = commitmentParam(config);
      const slot = contextSlot(chain, config);
      const simulation = refusingMalformed(() =>
        chain.simulate(bytes, { sigVerify, replaceRecentBlockhash, commitment }),
      );
      let accounts: unknown = null;
      const accountsConfig = config.accounts as { addresses?: unknown; encoding?: unknown } | undefined;
      if (accountsConfig && Array.isArray(accountsConfig.addresses)) {
        const encoding = accountEncodingParam(accountsConfig.encoding, "base64");
        accounts = accountsConfig.addresses.map((value) => {
          const address = pubkeyParam(value);
          const account = simulation.postAccounts.has(address)
            ? simulation.postAccounts.get(address)
            : chain.account(address, chain.latestSlot);
          return account
            ? encodeAccount(account, encoding, undefined, { mintDecimals: chain.mintDecimals })
            : null;
        });
      }
      return withContext(slot, {
        accounts,
        err: simulation.err,
        innerInstructions:
          config.innerInstructions === true
            ? encodeInnerInstructions(simulation.innerInstructions, simulation.resolved.accountKeys)
            : null,
        logs: simulation.logs,
        replacementBlockhash: simulation.replacementBlockhash,
        returnData: encodeReturnData(simulation.returnData),
        unitsConsumed: simulation.unitsConsumed,
      });
    },
    getSignatureStatuses: (params) => {
      required(params, 1);
      if (!Array.isArray(params[0])) throw invalidParams("Invalid params: invalid type, expected a sequence");
      const signatures = params[0].map(signatureParam);
      if (signatures.length > MAX_SIGNATURE_STATUSES) {
        throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`);
      }
      const searchHistory = configParam(params, 1).searchTransactionHistory === true;
      return withContext(
        chain.latestSlot,
        signatures.map((signature) => {
          const transaction = chain.transaction(signature);
          if (transaction === undefined) return null;
          if (transaction.slot <= chain.latestSlot && !searchHistory && !chain.inStatusCache(transaction))
            return null;
          return statusOf(transaction);
        }),
      );
    },
    getTransaction: (params) => {
      required(params, 1);
      const signature = signatureParam(params[0]);
      // The second param may also be just the encoding, as older clients send it.
      const config = typeof params[1] === "string" ? { encoding: params[1] } : configParam(params, 1);
      const highest = chain.commitmentSlot(confirmedOrFinalized(config));
      const encoding = transactionEncodingParam(config.encoding);
      const maxSupportedTransactionVersion = maxSupportedVersionParam(config.maxSupportedTransactionVersion);
      const transaction = chain.transaction(signature);
      if (transaction === undefined || transaction.slot > highest) return null;
      return {
        blockTime: chain.block(transaction.slot)?.blockTime ?? null,
        ...encodeTransactionWithMeta(transaction, {
          encoding,
          maxSupportedTransactionVersion,
          showRewards: true,
        }),
        slot: transaction.slot,
      };
    },
    getSignaturesForAddress: (params) => {
      required(params, 1);
      const address = pubkeyParam(params[0]);
      const config = configParam(params, 1);
      const highest = chain.commitmentSlot(confirmedOrFinalized(config));
      const limit =
        config.limit === undefined || config.limit === null
          ? MAX_SIGNATURES_FOR_ADDRESS
          : integerParam(config.limit, "usize");
      if (limit > MAX_SIGNATURES_FOR_ADDRESS)
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_FOR_ADDRESS}`);
      const before =
        config.before === undefined || config.before === null ? null : signatureParam(config.before);
      const until = config.until === undefined || config.until === null ? null : signatureParam(config.until);
      const all = chain.transactionsFor(address);
      const found: unknown[] = [];
      let started = before === null;
      for (let index = all.length - 1; index >= 0 && found.length < limit; index--) {
        const transaction = all[index] as LandedTransaction;
        if (transaction.slot > highest) continue;
        if (!started) {
          started = transaction.signature === before;
          continue;
        }
        if (transaction.signature === until) break;
        found.push({
          blockTime: chain.block(transaction.slot)?.blockTime ?? null,
          confirmationStatus: chain.commitmentOf(transaction.slot),
          err: transaction.err,
          memo: memoOf(transaction),
          signature: transaction.signature,
          slot: transaction.slot,
        });
      }
      return found;
    },
    getFeeForMessage: (params) => {
      required(params, 1);
      const messageBytes = decodeBinary(stringParam(params[0]), "base64");
      const slot = contextSlot(chain, configParam(params, 1));
      const message = refusingMalformed(() => readWireTransaction(new Uint8Array([0, ...messageBytes])));
      if (!chain.isBlockhashRecent(message.recentBlockhash, slot)) return withContext(slot, null);
      const { fee } = transactionFee({
        numRequiredSignatures: message.header.numRequiredSignatures,
        instructions: message.instructions,
        accountKeys: message.staticAccountKeys,
      });
      return withContext(slot, fee);
    },
    requestAirdrop: (params) => {
      if (!options.airdrop) throw new RpcError(INVALID_REQUEST, "Invalid request");
      required(params, 2);
      const recipient = pubkeyParam(params[0]);
      const lamports = integerParam(params[1]);
      try {
        return chain.airdrop(base58.decode(recipient), BigInt(lamports));
      } catch {
        throw new RpcError(INTERNAL_ERROR, "Internal error");
      }
    },
  };
}
