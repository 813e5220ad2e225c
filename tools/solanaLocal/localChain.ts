// The chain behind the endpoint: LiteSVM for state and execution, and around it what LiteSVM lacks:
// slots and blocks (one block per slot, sealed at each tick), blockhashes that expire after 150 blocks,
// commitment levels that lag the tip, account states as of each commitment, signatures seen, a faucet.
import { sha256 } from "@noble/hashes/sha2.js";
import { base58 } from "@scure/base";
import { Clock, FailedTransactionMetadata, LiteSvm } from "litesvm/dist/internal.js";
import { type AccountSnapshot, readAccount, writeAccount } from "./accountSnapshot.ts";
import { type EpochScheduleConfig, epochAndSlotIndex } from "./epochSchedule.ts";
import {
  type Execution,
  executeTransaction,
  innerInstructionSets,
  type ResolvedTransaction,
  resolveTransaction,
  returnDataOf,
} from "./executeTransaction.ts";
import { airdropTransaction, FAUCET_LAMPORTS, type FaucetKey, newFaucetKey } from "./faucet.ts";
import type { Block, Commitment, InnerInstructionSet, LandedTransaction } from "./ledger.ts";
import { readMint } from "./tokenAccounts.ts";
import { type TransactionErrorJson, transactionErrorFromLiteSvm } from "./transactionError.ts";
import { transactionFee } from "./transactionFee.ts";
import { readWireTransaction, type WireTransaction, withRecentBlockhash } from "./wireTransaction.ts";

/** Blocks a blockhash stays usable for: a transaction may land while its blockhash is this old. */
export const MAX_PROCESSING_AGE = 150;
/** Preflight and simulation leave room for forwarding to the leader, so they accept a little less. */
const MAX_SIMULATION_AGE = MAX_PROCESSING_AGE - 6;
/** Blockhashes (and fee rates) a bank remembers: getFeeForMessage answers for this many. */
const MAX_RECENT_BLOCKHASHES = 300;
/** Slots a bank's status cache covers: getSignatureStatuses without searchTransactionHistory. */
const STATUS_CACHE_SLOTS = 300;

const SYSTEM_PROGRAM = "11111111111111111111111111111111";
const NONCE_ACCOUNT_LENGTH = 80;
const ADVANCE_NONCE_ACCOUNT = 4;
const RENT_EXEMPT_EPOCH = 2n ** 64n - 1n;

export interface LocalChainOptions {
  /** Slots between the tip and `confirmed`. */
  confirmedLag: number;
  /** Slots between the tip and `finalized`. */
  finalizedLag: number;
}

export interface SubmitOptions {
  /** Simulate first and refuse what fails, as sendTransaction does unless skipPreflight. */
  preflight: boolean;
  preflightCommitment: Commitment;
}

export interface Refusal {
  err: TransactionErrorJson;
  logs: string[];
  unitsConsumed: bigint;
  returnData: { programId: string; data: Uint8Array } | null;
}

export type SubmitOutcome =
  | { kind: "landed"; transaction: LandedTransaction }
  /** Preflight failed: nothing ran (or what ran was undone). */
  | { kind: "refused"; refusal: Refusal }
  /** Preflight found a signature that does not verify. */
  | { kind: "signatureFailure" }
  /** Without preflight the network would take it and drop it (bad blockhash, duplicate, unpayable fee). */
  | { kind: "dropped"; signature: string };

export interface Simulation {
  err: TransactionErrorJson | null;
  logs: string[];
  unitsConsumed: bigint;
  returnData: Refusal["returnData"];
  innerInstructions: InnerInstructionSet[];
  postAccounts: Map<string, AccountSnapshot | null>;
  resolved: ResolvedTransaction;
}

interface HistoryEntry {
  slot: number;
  /** The account as it was before this slot's block wrote it. */
  before: AccountSnapshot | null;
}

type SealListener = (block: Block) => void;
type LandListener = (transaction: LandedTransaction) => void;

const refusal = (err: TransactionErrorJson): Refusal => ({
  err,
  logs: [],
  unitsConsumed: 0n,
  returnData: null,
});

export class LocalChain {
  readonly svm: LiteSvm;
  readonly genesisHash: string;
  /** The validator's identity (getIdentity, getSlotLeader); nothing signs with it. */
  readonly identity: string;
  readonly epochSchedule: EpochScheduleConfig;
  private readonly seed: Uint8Array;
  private readonly blocks: Block[] = [];
  private openTransactions: LandedTransaction[] = [];
  private openWrites = new Set<string>();
  private readonly blockhashSlots = new Map<string, number>();
  private readonly transactionsBySignature = new Map<string, LandedTransaction>();
  private readonly transactionsByAddress = new Map<string, LandedTransaction[]>();
  private readonly accountHistory = new Map<string, HistoryEntry[]>();
  private historyPrunedThrough = 0;
  private readonly decimalsByMint = new Map<string, number>();
  private readonly faucets: FaucetKey[] = [];
  private readonly sealListeners = new Set<SealListener>();
  private readonly landListeners = new Set<LandListener>();
  private droppingIncoming = false;
  private readonly droppedSignatures: string[] = [];

  constructor(private readonly options: LocalChainOptions) {
    this.svm = new LiteSvm();
    // The endpoint keeps its own blockhashes and signature history (LiteSVM only knows its latest
    // blockhash and would refuse a duplicate differently from a validator).
    this.svm.setBlockhashCheck(false);
    this.svm.setTransactionHistory(0n);
    // Every cluster has the wrapped-SOL mints.
    this.svm.withNativeMints();
    const schedule = this.svm.getEpochSchedule();
    this.epochSchedule = {
      slotsPerEpoch: Number(schedule.slotsPerEpoch),
      leaderScheduleSlotOffset: Number(schedule.leaderScheduleSlotOffset),
      warmup: schedule.warmup,
      firstNormalEpoch: Number(schedule.firstNormalEpoch),
      firstNormalSlot: Number(schedule.firstNormalSlot),
    };
    // A fresh genesis each start: a restarted endpoint is a new chain, as a reset test validator is.
    this.seed = crypto.getRandomValues(new Uint8Array(32));
    this.genesisHash = this.hashFor("genesis");
    this.identity = base58.encode(sha256(new Uint8Array([...this.seed, 1])));
    const now = Date.now();
    this.appendBlock({
      slot: 0,
      blockhash: this.hashFor("0"),
      previousBlockhash: this.genesisHash,
      parentSlot: 0,
      blockHeight: 0,
      blockTime: Math.floor(now / 1000),
      transactions: [],
      transactionCount: 0,
      writtenAccounts: [],
    });
    this.openSlotClock(now);
  }

  private hashFor(label: string): string {
    return base58.encode(sha256(new Uint8Array([...this.seed, ...new TextEncoder().encode(label)])));
  }

  /** The newest sealed slot: what `processed` reads. */
  get latestSlot(): number {
    return this.blocks.length - 1;
  }

  /** The slot whose block is being filled: transactions sent now land in it. */
  get openSlot(): number {
    return this.blocks.length;
  }

  commitmentSlot(commitment: Commitment): number {
    if (commitment === "processed") return this.latestSlot;
    const lag = commitment === "confirmed" ? this.options.confirmedLag : this.options.finalizedLag;
    return Math.max(0, this.latestSlot - lag);
  }

  commitmentOf(slot: number): Commitment {
    if (slot <= this.commitmentSlot("finalized")) return "finalized";
    if (slot <= this.commitmentSlot("confirmed")) return "confirmed";
    return "processed";
  }

  block(slot: number): Block | undefined {
    return this.blocks[slot];
  }

  blockhashSlot(blockhash: string): number | undefined {
    return this.blockhashSlots.get(blockhash);
  }

  /** Whether the bank at `bankSlot` still accepts `blockhash` (isBlockhashValid, simulation). */
  isBlockhashValid(blockhash: string, bankSlot: number, maxAge = MAX_PROCESSING_AGE): boolean {
    const slot = this.blockhashSlots.get(blockhash);
    return slot !== undefined && slot <= bankSlot && bankSlot - slot <= maxAge;
  }

  /** Whether getFeeForMessage still knows the blockhash's fee rate. */
  isBlockhashRecent(blockhash: string, bankSlot: number): boolean {
    return this.isBlockhashValid(blockhash, bankSlot, MAX_RECENT_BLOCKHASHES);
  }

  /** A transaction lands in the open slot while its blockhash is one of the last 151 sealed ones. */
  private canLandWith(blockhash: string): boolean {
    return this.isBlockhashValid(blockhash, this.latestSlot, MAX_PROCESSING_AGE);
  }

  /** A durable-nonce transaction: its first instruction advances a nonce holding the "blockhash" it names. */
  private usesCurrentNonce(resolved: ResolvedTransaction): boolean {
    const first = resolved.tx.instructions[0];
    if (first === undefined || resolved.accountKeys[first.programIdIndex] !== SYSTEM_PROGRAM) return false;
    if (first.data.length < 4 || first.data[0] !== ADVANCE_NONCE_ACCOUNT) return false;
    const nonceIndex = first.accounts[0];
    if (nonceIndex === undefined) return false;
    const nonce = readAccount(this.svm, resolved.accountKeyBytes[nonceIndex] as Uint8Array);
    if (nonce === null || nonce.owner !== SYSTEM_PROGRAM || nonce.data.length !== NONCE_ACCOUNT_LENGTH)
      return false;
    const initialized = nonce.data[4] === 1;
    return initialized && base58.encode(nonce.data.subarray(40, 72)) === resolved.tx.recentBlockhash;
  }

  /** The account as of the end of `slot` (a commitment's slot); null when it did not exist. */
  account(address: string, slot: number): AccountSnapshot | null {
    const history = this.accountHistory.get(address);
    if (history !== undefined) {
      for (const entry of history) if (entry.slot > slot) return entry.before;
    }
    return readAccount(this.svm, base58.decode(address));
  }

  /** Accounts owned by `program` as of the end of `slot`. */
  programAccounts(program: string, slot: number): { address: string; account: AccountSnapshot }[] {
    const addresses = new Set<string>();
    for (const keyed of this.svm.getProgramAccounts(base58.decode(program))) {
      addresses.add(base58.encode(keyed.address));
    }
    // Accounts written since `slot` may have had another owner, or not exist now.
    for (const address of this.accountHistory.keys()) addresses.add(address);
    const found: { address: string; account: AccountSnapshot }[] = [];
    for (const address of addresses) {
      const account = this.account(address, slot);
      if (account !== null && account.owner === program) found.push({ address, account });
    }
    return found;
  }

  mintDecimals = (mint: string): number | null => {
    const known = this.decimalsByMint.get(mint);
    if (known !== undefined) return known;
    const account = readAccount(this.svm, base58.decode(mint));
    const decimals = account === null ? null : (readMint(account.owner, account.data)?.decimals ?? null);
    if (decimals !== null) this.decimalsByMint.set(mint, decimals);
    return decimals;
  };

  minimumBalanceForRentExemption(dataLength: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(dataLength));
  }

  transaction(signature: string): LandedTransaction | undefined {
    return this.transactionsBySignature.get(signature);
  }

  /** Transactions that name `address`, oldest first. */
  transactionsFor(address: string): readonly LandedTransaction[] {
    return this.transactionsByAddress.get(address) ?? [];
  }

  /** The open slot's transactions, not yet in a block. */
  get pendingTransactions(): readonly LandedTransaction[] {
    return this.openTransactions;
  }

  /** Whether the signature's transaction is recent enough for a bank's status cache. */
  inStatusCache(transaction: LandedTransaction): boolean {
    return this.latestSlot - transaction.slot <= STATUS_CACHE_SLOTS;
  }

  /**
   * Test control: while on, every transaction submitted (sendTransaction, requestAirdrop's transfer) is
   * taken as a validator takes one it forwards to a leader that drops it. Preflight still runs and
   * refuses what it would refuse; what passes is answered with its signature and never executed.
   */
  dropIncoming(drop: boolean): void {
    this.droppingIncoming = drop;
  }

  /** The signatures dropped by dropIncoming, once per time one arrived, oldest first. */
  get dropped(): readonly string[] {
    return this.droppedSignatures;
  }

  onSeal(listener: SealListener): () => void {
    this.sealListeners.add(listener);
    return () => this.sealListeners.delete(listener);
  }

  onLand(listener: LandListener): () => void {
    this.landListeners.add(listener);
    return () => this.landListeners.delete(listener);
  }

  /**
   * Takes a transaction as sendTransaction does. Throws MalformedTransactionError (not a transaction)
   * and TransactionLoadError (refused by the sanitizer) before anything runs.
   */
  submit(bytes: Uint8Array, options: SubmitOptions): SubmitOutcome {
    const tx = readWireTransaction(bytes);
    const resolved = resolveTransaction(this.svm, tx);
    const signature = tx.signatures[0] as string;
    const earlier = this.transactionsBySignature.get(signature);
    if (options.preflight) {
      const bankSlot = this.commitmentSlot(options.preflightCommitment);
      const validBlockhash =
        this.isBlockhashValid(tx.recentBlockhash, bankSlot, MAX_SIMULATION_AGE) ||
        this.usesCurrentNonce(resolved);
      if (!validBlockhash) {
        // A validator verifies signatures before it simulates.
        return this.signaturesVerify(tx)
          ? { kind: "refused", refusal: refusal("BlockhashNotFound") }
          : { kind: "signatureFailure" };
      }
      // The preflight bank only knows what it has seen; a later copy is dropped by the leader.
      if (earlier !== undefined) {
        return earlier.slot <= bankSlot
          ? { kind: "refused", refusal: refusal("AlreadyProcessed") }
          : { kind: "dropped", signature };
      }
    } else if (earlier !== undefined) {
      return { kind: "dropped", signature };
    }
    if (this.droppingIncoming) return this.dropAfterPreflight(resolved, options);
    // Past preflight (or without it) the leader takes the transaction only while its blockhash is recent.
    if (!(this.canLandWith(tx.recentBlockhash) || this.usesCurrentNonce(resolved))) {
      return { kind: "dropped", signature };
    }
    // One execution serves as preflight and as the real thing: a failure is undone below before anyone
    // can read the state, which is exactly what a refused preflight leaves behind.
    const execution = executeTransaction(this.svm, resolved, this.mintDecimals);
    if (execution.err === "SignatureFailure") {
      return options.preflight ? { kind: "signatureFailure" } : { kind: "dropped", signature };
    }
    if (execution.err !== null) {
      if (options.preflight) {
        if (execution.changedState) this.undo(resolved, execution);
        const { err, logs, unitsConsumed, returnData } = execution;
        return { kind: "refused", refusal: { err, logs, unitsConsumed, returnData } };
      }
      if (!execution.changedState) return { kind: "dropped", signature };
    }
    return { kind: "landed", transaction: this.land(resolved, execution) };
  }

  /** The leader that drops everything: preflight (a simulation) answers, and nothing runs for real. */
  private dropAfterPreflight(resolved: ResolvedTransaction, options: SubmitOptions): SubmitOutcome {
    const signature = resolved.tx.signatures[0] as string;
    if (options.preflight) {
      const simulation = this.svm.simulateVersionedTransaction(resolved.tx.bytes);
      if (simulation instanceof FailedTransactionMetadata) {
        const err = transactionErrorFromLiteSvm(simulation.err());
        if (err === "SignatureFailure") return { kind: "signatureFailure" };
        const metadata = simulation.meta();
        return {
          kind: "refused",
          refusal: {
            err,
            logs: metadata.logs(),
            unitsConsumed: metadata.computeUnitsConsumed(),
            returnData: returnDataOf(metadata),
          },
        };
      }
    }
    this.droppedSignatures.push(signature);
    return { kind: "dropped", signature };
  }

  private signaturesVerify(tx: WireTransaction): boolean {
    const result = this.svm.simulateVersionedTransaction(tx.bytes);
    return !((result instanceof FailedTransactionMetadata && result.err() === 11) /* SignatureFailure */);
  }

  private undo(resolved: ResolvedTransaction, execution: Execution): void {
    // A failed transaction can only have debited existing accounts (the fee payer, a nonce account).
    for (const [index, before] of execution.writablePreStates) {
      if (before !== null) writeAccount(this.svm, resolved.accountKeyBytes[index] as Uint8Array, before);
    }
  }

  private land(resolved: ResolvedTransaction, execution: Execution): LandedTransaction {
    const slot = this.openSlot;
    for (const [index, before] of execution.writablePreStates) {
      const address = resolved.accountKeys[index] as string;
      if (this.openWrites.has(address)) continue;
      this.openWrites.add(address);
      const history = this.accountHistory.get(address);
      if (history === undefined) this.accountHistory.set(address, [{ slot, before }]);
      else history.push({ slot, before });
    }
    const { tx } = resolved;
    const { fee, computeUnitPrice } = transactionFee({
      numRequiredSignatures: tx.header.numRequiredSignatures,
      instructions: tx.instructions,
      accountKeys: tx.staticAccountKeys,
    });
    const transaction: LandedTransaction = {
      signature: tx.signatures[0] as string,
      slot,
      tx,
      accountKeys: resolved.accountKeys,
      loadedAddresses: resolved.loadedAddresses,
      writable: resolved.writable,
      err: execution.err,
      fee,
      computeUnitPrice,
      ...execution.meta(),
      logMessages: execution.logs,
      innerInstructions: execution.innerInstructions,
      computeUnitsConsumed: execution.unitsConsumed,
      returnData: execution.returnData,
    };
    this.openTransactions.push(transaction);
    this.transactionsBySignature.set(transaction.signature, transaction);
    for (const address of resolved.accountKeys) {
      const list = this.transactionsByAddress.get(address);
      if (list === undefined) this.transactionsByAddress.set(address, [transaction]);
      else list.push(transaction);
    }
    for (const listener of this.landListeners) listener(transaction);
    return transaction;
  }

  /** Runs a transaction without keeping anything, against the state at the tip (simulateTransaction). */
  simulate(
    bytes: Uint8Array,
    options: { sigVerify: boolean; replaceRecentBlockhash: boolean; commitment: Commitment },
  ): Simulation & { replacementBlockhash: { blockhash: string; lastValidBlockHeight: number } | null } {
    const tx = readWireTransaction(bytes);
    const resolved = resolveTransaction(this.svm, tx);
    const bankSlot = this.commitmentSlot(options.commitment);
    let replacementBlockhash: { blockhash: string; lastValidBlockHeight: number } | null = null;
    let runnable = bytes;
    const refused = (err: TransactionErrorJson) => ({
      ...refusal(err),
      innerInstructions: [],
      postAccounts: new Map(),
      resolved,
      replacementBlockhash,
    });
    if (options.replaceRecentBlockhash) {
      const bank = this.blocks[bankSlot] as Block;
      replacementBlockhash = {
        blockhash: bank.blockhash,
        lastValidBlockHeight: bank.blockHeight + MAX_PROCESSING_AGE,
      };
      runnable = withRecentBlockhash(tx, bank.blockhash);
    } else if (
      !this.isBlockhashValid(tx.recentBlockhash, bankSlot, MAX_SIMULATION_AGE) &&
      !this.usesCurrentNonce(resolved)
    ) {
      return refused("BlockhashNotFound");
    }
    const earlier = this.transactionsBySignature.get(tx.signatures[0] as string);
    if (earlier !== undefined && earlier.slot <= bankSlot) return refused("AlreadyProcessed");
    this.svm.setSigverify(options.sigVerify);
    let result: ReturnType<LiteSvm["simulateVersionedTransaction"]>;
    try {
      result = this.svm.simulateVersionedTransaction(runnable);
    } finally {
      this.svm.setSigverify(true);
    }
    const metadata = result.meta();
    const postAccounts = new Map<string, AccountSnapshot | null>();
    if (!(result instanceof FailedTransactionMetadata)) {
      for (const keyed of result.postAccounts()) {
        const account = keyed.account();
        postAccounts.set(
          base58.encode(keyed.address),
          account.lamports() === 0n
            ? null
            : {
                lamports: account.lamports(),
                data: account.data(),
                owner: base58.encode(account.owner()),
                executable: account.executable(),
                rentEpoch: account.rentEpoch(),
              },
        );
      }
    }
    return {
      err: result instanceof FailedTransactionMetadata ? transactionErrorFromLiteSvm(result.err()) : null,
      logs: metadata.logs(),
      unitsConsumed: metadata.computeUnitsConsumed(),
      returnData: returnDataOf(metadata),
      innerInstructions: innerInstructionSets(metadata),
      postAccounts,
      resolved,
      replacementBlockhash,
    };
  }

  /** Pays `lamports` to `recipient` from the faucet with a real transfer; returns its signature. */
  airdrop(recipient: Uint8Array, lamports: bigint): string {
    const blockhash = (this.blocks[this.latestSlot] as Block).blockhash;
    // The same transfer twice in one slot would be the same transaction: the next faucet key pays instead.
    for (let index = 0; ; index++) {
      const bytes = airdropTransaction(this.faucet(index), recipient, lamports, blockhash);
      const signature = base58.encode(bytes.subarray(1, 65));
      if (this.transactionsBySignature.has(signature)) continue;
      this.submit(bytes, { preflight: false, preflightCommitment: "processed" });
      return signature;
    }
  }

  private faucet(index: number): FaucetKey {
    let key = this.faucets[index];
    if (key === undefined) {
      key = newFaucetKey();
      writeAccount(this.svm, key.publicKey, {
        lamports: FAUCET_LAMPORTS,
        data: new Uint8Array(0),
        owner: SYSTEM_PROGRAM,
        executable: false,
        rentEpoch: RENT_EXEMPT_EPOCH,
      });
      this.faucets[index] = key;
    }
    return key;
  }

  /** Closes the open slot's block and opens the next slot. */
  seal(now = Date.now()): Block {
    const slot = this.openSlot;
    const parent = this.blocks[slot - 1] as Block;
    const block: Block = {
      slot,
      blockhash: this.hashFor(String(slot)),
      previousBlockhash: parent.blockhash,
      parentSlot: parent.slot,
      blockHeight: slot,
      blockTime: Math.floor(now / 1000),
      transactions: this.openTransactions,
      transactionCount: parent.transactionCount + this.openTransactions.length,
      writtenAccounts: [...this.openWrites],
    };
    this.openTransactions = [];
    this.openWrites = new Set();
    this.appendBlock(block);
    // A new LiteSVM blockhash per slot keeps durable nonces advancing once per slot, as on a validator.
    this.svm.expireBlockhash();
    this.openSlotClock(now);
    this.pruneHistory();
    for (const listener of this.sealListeners) listener(block);
    return block;
  }

  private appendBlock(block: Block): void {
    this.blocks.push(block);
    this.blockhashSlots.set(block.blockhash, block.slot);
  }

  private openSlotClock(now: number): void {
    const slot = this.openSlot;
    const { epoch } = epochAndSlotIndex(this.epochSchedule, slot);
    const unixTimestamp = BigInt(Math.floor(now / 1000));
    const genesisTime = BigInt((this.blocks[0] as Block).blockTime);
    this.svm.setClock(new Clock(BigInt(slot), genesisTime, BigInt(epoch), BigInt(epoch + 1), unixTimestamp));
  }

  /** Forgets prior states no commitment can read any more (those at or below `finalized`). */
  private pruneHistory(): void {
    const finalized = this.commitmentSlot("finalized");
    for (let slot = this.historyPrunedThrough + 1; slot <= finalized; slot++) {
      for (const address of (this.blocks[slot] as Block).writtenAccounts) {
        const history = this.accountHistory.get(address);
        if (history === undefined) continue;
        while (history.length > 0 && (history[0] as HistoryEntry).slot <= finalized) history.shift();
        if (history.length === 0) this.accountHistory.delete(address);
      }
    }
    this.historyPrunedThrough = Math.max(this.historyPrunedThrough, finalized);
  }
}
