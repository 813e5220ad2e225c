// A Solana transaction as it travels on the wire (legacy or v0), read without @solana/web3.js objects:
// the endpoint reads every transaction it is sent, and views into the bytes cost nothing.
import { base58 } from "@scure/base";

/** The largest transaction a validator accepts (one UDP packet's payload). */
export const PACKET_DATA_SIZE = 1232;

export interface MessageHeader {
  numRequiredSignatures: number;
  numReadonlySignedAccounts: number;
  numReadonlyUnsignedAccounts: number;
}

export interface CompiledInstruction {
  programIdIndex: number;
  accounts: number[];
  data: Uint8Array;
}

export interface AddressTableLookup {
  accountKey: string;
  writableIndexes: number[];
  readonlyIndexes: number[];
}

export interface WireTransaction {
  bytes: Uint8Array;
  /** base58, in wire order; the first is the transaction's id. */
  signatures: string[];
  version: "legacy" | 0;
  /** Where the message starts in `bytes` (the signed part). */
  messageOffset: number;
  /** Where the 32-byte recent blockhash sits in `bytes`. */
  blockhashOffset: number;
  header: MessageHeader;
  staticAccountKeys: string[];
  /** The same keys as views into `bytes`, for LiteSVM calls. */
  staticAccountKeyBytes: Uint8Array[];
  recentBlockhash: string;
  instructions: CompiledInstruction[];
  addressTableLookups: AddressTableLookup[];
}

/** Why bytes are not a transaction, in the words of the Rust deserializer's errors. */
export class MalformedTransactionError extends Error {}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new MalformedTransactionError("io error: unexpected end of file");
    this.offset += 1;
    return value;
  }

  /** Solana's compact-u16 ("shortvec") length. */
  shortVec(): number {
    let value = 0;
    for (let shift = 0; shift < 21; shift += 7) {
      const byte = this.u8();
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffff) throw new MalformedTransactionError("io error: shortvec overflow");
        return value;
      }
    }
    throw new MalformedTransactionError("io error: shortvec overflow");
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) {
      throw new MalformedTransactionError("io error: unexpected end of file");
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

/** Reads a serialized VersionedTransaction. Throws MalformedTransactionError when it is not one. */
export function readWireTransaction(bytes: Uint8Array): WireTransaction {
  const reader = new Reader(bytes);
  const signatureCount = reader.shortVec();
  const signatures: string[] = [];
  for (let i = 0; i < signatureCount; i++) signatures.push(base58.encode(reader.take(64)));
  const messageOffset = reader.offset;
  const first = reader.u8();
  let version: "legacy" | 0 = "legacy";
  let header: MessageHeader;
  if (first & 0x80) {
    const number = first & 0x7f;
    if (number !== 0)
      throw new MalformedTransactionError(`invalid value: unsupported message version ${number}`);
    version = 0;
    header = {
      numRequiredSignatures: reader.u8(),
      numReadonlySignedAccounts: 0,
      numReadonlyUnsignedAccounts: 0,
    };
  } else {
    header = { numRequiredSignatures: first, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 0 };
  }
  header.numReadonlySignedAccounts = reader.u8();
  header.numReadonlyUnsignedAccounts = reader.u8();
  const keyCount = reader.shortVec();
  const staticAccountKeys: string[] = [];
  const staticAccountKeyBytes: Uint8Array[] = [];
  for (let i = 0; i < keyCount; i++) {
    const key = reader.take(32);
    staticAccountKeyBytes.push(key);
    staticAccountKeys.push(base58.encode(key));
  }
  const blockhashOffset = reader.offset;
  const recentBlockhash = base58.encode(reader.take(32));
  const instructionCount = reader.shortVec();
  const instructions: CompiledInstruction[] = [];
  for (let i = 0; i < instructionCount; i++) {
    const programIdIndex = reader.u8();
    const accounts = Array.from(reader.take(reader.shortVec()));
    const data = reader.take(reader.shortVec());
    instructions.push({ programIdIndex, accounts, data });
  }
  const addressTableLookups: AddressTableLookup[] = [];
  if (version === 0) {
    const lookupCount = reader.shortVec();
    for (let i = 0; i < lookupCount; i++) {
      const accountKey = base58.encode(reader.take(32));
      const writableIndexes = Array.from(reader.take(reader.shortVec()));
      const readonlyIndexes = Array.from(reader.take(reader.shortVec()));
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (reader.offset !== bytes.length) {
    throw new MalformedTransactionError(`${bytes.length - reader.offset} trailing bytes`);
  }
  return {
    bytes,
    signatures,
    version,
    messageOffset,
    blockhashOffset,
    header,
    staticAccountKeys,
    staticAccountKeyBytes,
    recentBlockhash,
    instructions,
    addressTableLookups,
  };
}

/**
 * The checks a validator's sanitizer makes before anything runs (the ones LiteSVM would otherwise report
 * differently): one signature per required signer, indexes inside the key list, no key twice.
 * Returns the TransactionError name, or null when the transaction is well formed.
 */
export function sanitizeFailure(tx: WireTransaction, accountKeys: readonly string[]): string | null {
  const { header, staticAccountKeys } = tx;
  if (tx.signatures.length !== header.numRequiredSignatures) return "SanitizeFailure";
  if (header.numRequiredSignatures === 0) return "SanitizeFailure";
  if (header.numReadonlySignedAccounts >= header.numRequiredSignatures) return "SanitizeFailure";
  if (header.numRequiredSignatures + header.numReadonlyUnsignedAccounts > staticAccountKeys.length) {
    return "SanitizeFailure";
  }
  const keyCount = accountKeys.length;
  for (const instruction of tx.instructions) {
    // The fee payer can never be a program, and a program is never a looked-up address.
    if (instruction.programIdIndex === 0 || instruction.programIdIndex >= staticAccountKeys.length) {
      return "SanitizeFailure";
    }
    if (instruction.accounts.some((index) => index >= keyCount)) return "SanitizeFailure";
  }
  if (new Set(accountKeys).size !== accountKeys.length) return "AccountLoadedTwice";
  return null;
}

/** Whether the account at `index` of the full key list (static, then loaded writable, then loaded readonly) is writable. */
export function isWritableIndex(tx: WireTransaction, index: number, loadedWritableCount: number): boolean {
  const { header, staticAccountKeys } = tx;
  if (index >= staticAccountKeys.length) return index - staticAccountKeys.length < loadedWritableCount;
  if (index < header.numRequiredSignatures) {
    return index < header.numRequiredSignatures - header.numReadonlySignedAccounts;
  }
  return index < staticAccountKeys.length - header.numReadonlyUnsignedAccounts;
}

/** The same transaction with another recent blockhash (simulateTransaction's replaceRecentBlockhash). */
export function withRecentBlockhash(tx: WireTransaction, blockhash: string): Uint8Array {
  const bytes = Uint8Array.from(tx.bytes);
  bytes.set(base58.decode(blockhash), tx.blockhashOffset);
  return bytes;
}
