import * as nodeCrypto from "node:crypto";
import { decodeAddress, encodeAddress } from "./address.ts";
import { Reader, Writer } from "./codec.ts";
import { RefchainError, reject } from "./errors.ts";
import type { KeyPair } from "./keys.ts";

/** Largest amount or supply a transaction may carry: 2^128 − 1 base units. */
export const MAX_AMOUNT = (1n << 128n) - 1n;
export const MAX_MEMO_BYTES = 256;
export const MAX_TX_BYTES = 1024;
const SIGNATURE_BYTES = 64;
const VERSION = 1;
// Domain separation: a transaction hash can never be mistaken for a block hash or another protocol's message.
const TX_DOMAIN = Buffer.from("refchain/tx/v1\0");

export type TxPayload =
  | { kind: "registerSubnet"; name: string }
  | { kind: "issueAsset"; subnet: string; symbol: string; decimals: number; supply: bigint; to: string }
  | { kind: "mint"; asset: string; to: string; amount: bigint }
  | { kind: "transfer"; asset: string; to: string; amount: bigint; memo: string }
  | { kind: "faucet"; to: string; amount: bigint };

export type TxKind = TxPayload["kind"];

export interface UnsignedTransaction {
  chainId: string;
  /** Sender address; its public key is in the encoding. */
  from: string;
  /** Strictly sequential per sender, from 0. */
  nonce: bigint;
  /** Last block height at which the transaction may be included. */
  expiry: bigint;
  payload: TxPayload;
}

export interface Transaction extends UnsignedTransaction {
  /** Hex sha256 over the domain and the body. */
  hash: string;
  hashBytes: Uint8Array;
  fromKey: Uint8Array;
  signature: Uint8Array;
  /** The signed wire bytes: body || signature. */
  raw: Uint8Array;
}

const KIND_CODES: Record<TxKind, number> = {
  registerSubnet: 1,
  issueAsset: 2,
  mint: 3,
  transfer: 4,
  faucet: 5,
};

function encodeBody(tx: UnsignedTransaction): Uint8Array {
  const w = new Writer()
    .u8(VERSION)
    .string(tx.chainId)
    .u8(KIND_CODES[tx.payload.kind])
    .fixed(decodeAddress(tx.from), 32)
    .u64(tx.nonce)
    .u64(tx.expiry);
  const p = tx.payload;
  switch (p.kind) {
    case "registerSubnet":
      return w.string(p.name).finish();
    case "issueAsset":
      return w
        .string(p.subnet)
        .string(p.symbol)
        .u8(p.decimals)
        .uint(p.supply)
        .fixed(decodeAddress(p.to), 32)
        .finish();
    case "mint":
      return w.string(p.asset).fixed(decodeAddress(p.to), 32).uint(p.amount).finish();
    case "transfer":
      return w.string(p.asset).fixed(decodeAddress(p.to), 32).uint(p.amount).string(p.memo).finish();
    case "faucet":
      return w.fixed(decodeAddress(p.to), 32).uint(p.amount).finish();
  }
}

// Domain and body are copied side by side here so the hash is one native call, not four
// (crypto.hash: Node 20.12 and later; older ones take the streaming path). It answers in hex, which
// the node needs anyway, and the bytes are parsed back into the shared Buffer pool: a digest Buffer
// would be an ArrayBuffer of its own per transaction, which the garbage collector pays for.
const oneShotHash = nodeCrypto.hash as typeof nodeCrypto.hash | undefined;
const hashInput = Buffer.alloc(TX_DOMAIN.length + MAX_TX_BYTES);
TX_DOMAIN.copy(hashInput);

function hashBody(body: Uint8Array): { hash: string; hashBytes: Buffer } {
  let hash: string;
  if (body.length > MAX_TX_BYTES || !oneShotHash) {
    hash = nodeCrypto.createHash("sha256").update(TX_DOMAIN).update(body).digest("hex");
  } else {
    hashInput.set(body, TX_DOMAIN.length);
    hash = oneShotHash("sha256", hashInput.subarray(0, TX_DOMAIN.length + body.length), "hex");
  }
  return { hash, hashBytes: Buffer.from(hash, "hex") };
}

// Encoding an address (bech32m) costs more than the rest of decoding, and the same accounts recur:
// remember recent ones. Bounded so a flood of fresh keys cannot grow it without limit.
const addresses = new Map<string, string>();
const MAX_ADDRESSES = 50_000;

function addressOf(publicKey: Uint8Array): string {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("latin1");
  let address = addresses.get(id);
  if (address === undefined) {
    if (addresses.size >= MAX_ADDRESSES) addresses.clear();
    address = encodeAddress(publicKey);
    addresses.set(id, address);
  }
  return address;
}

/**
 * A transaction encoded and hashed, waiting for its sender's signature. `message` is exactly what the
 * sender's ed25519 key signs: a key held elsewhere (a vault) signs it, and `attachSignature` makes
 * the same wire bytes signTransaction would.
 */
export interface SigningRequest {
  tx: UnsignedTransaction;
  body: Uint8Array;
  hash: string;
  /** The bytes to sign (the transaction hash). */
  message: Uint8Array;
}

/** Encodes and hashes `tx`: the first half of signTransaction, for a key that is not a KeyPair. */
export function signingRequest(tx: UnsignedTransaction): SigningRequest {
  const body = encodeBody(tx);
  const { hash, hashBytes } = hashBody(body);
  return { tx, body, hash, message: hashBytes };
}

/** The second half: the signed transaction from the sender's 64-byte signature over `request.message`. */
export function attachSignature(request: SigningRequest, signature: Uint8Array): Transaction {
  if (signature.length !== SIGNATURE_BYTES) {
    throw new Error(`an ed25519 signature is ${SIGNATURE_BYTES} bytes, not ${signature.length}`);
  }
  return assemble(request, signature, decodeAddress(request.tx.from));
}

function assemble(request: SigningRequest, signature: Uint8Array, fromKey: Uint8Array): Transaction {
  const { tx, body, hash, message } = request;
  const raw = new Uint8Array(body.length + SIGNATURE_BYTES);
  raw.set(body);
  raw.set(signature, body.length);
  return { ...tx, hash, hashBytes: message, fromKey, signature, raw };
}

/** Encodes, hashes and signs. The key must be the sender's. */
export function signTransaction(tx: UnsignedTransaction, key: KeyPair): Transaction {
  if (key.address !== tx.from) throw new Error(`key ${key.address} cannot sign for ${tx.from}`);
  const request = signingRequest(tx);
  return assemble(request, key.sign(request.message), key.publicKey);
}

function decodePayload(kind: number, r: Reader): TxPayload {
  switch (kind) {
    case 1:
      return { kind: "registerSubnet", name: r.string("subnet name") };
    case 2:
      return {
        kind: "issueAsset",
        subnet: r.string("subnet"),
        symbol: r.string("symbol"),
        decimals: r.u8("decimals"),
        supply: r.uint("supply"),
        to: addressOf(r.fixed(32, "recipient")),
      };
    case 3:
      return {
        kind: "mint",
        asset: r.string("asset"),
        to: addressOf(r.fixed(32, "recipient")),
        amount: r.uint("amount"),
      };
    case 4:
      return {
        kind: "transfer",
        asset: r.string("asset"),
        to: addressOf(r.fixed(32, "recipient")),
        amount: r.uint("amount"),
        memo: r.string("memo"),
      };
    case 5:
      return { kind: "faucet", to: addressOf(r.fixed(32, "recipient")), amount: r.uint("amount") };
    default:
      return reject("MALFORMED", `malformed encoding: unknown transaction kind ${kind}`);
  }
}

/** Decodes signed wire bytes. Refuses oversize and non-canonical input; does not check the signature. */
export function decodeTransaction(raw: Uint8Array): Transaction {
  if (!(raw instanceof Uint8Array)) reject("MALFORMED", "malformed encoding: a transaction is bytes");
  if (raw.length > MAX_TX_BYTES)
    reject("OVERSIZE", `transaction is ${raw.length} bytes; the limit is ${MAX_TX_BYTES}`);
  if (raw.length <= SIGNATURE_BYTES) reject("MALFORMED", "malformed encoding: too short to hold a signature");
  const body = raw.subarray(0, raw.length - SIGNATURE_BYTES);
  const r = new Reader(body);
  const version = r.u8("version");
  if (version !== VERSION) reject("MALFORMED", `malformed encoding: unknown version ${version}`);
  const chainId = r.string("chain id");
  const kind = r.u8("kind");
  const fromKey = r.fixed(32, "sender");
  const nonce = r.u64("nonce");
  const expiry = r.u64("expiry");
  const payload = decodePayload(kind, r);
  r.end("transaction body");
  const { hash, hashBytes } = hashBody(body);
  return {
    chainId,
    from: addressOf(fromKey),
    nonce,
    expiry,
    payload,
    hash,
    hashBytes,
    fromKey,
    signature: raw.subarray(raw.length - SIGNATURE_BYTES),
    raw,
  };
}

const SYMBOL = /^[A-Z][A-Z0-9]{0,11}$/;

function checkAmount(value: bigint, what: string): void {
  if (value <= 0n) reject("BAD_AMOUNT", `${what} must be greater than zero`);
  if (value > MAX_AMOUNT) reject("BAD_AMOUNT", `${what} exceeds 2^128 − 1 base units`);
}

/** Checks that need no state: the chain, amounts, field shapes. Throws a RefchainError. */
export function checkStateless(tx: Transaction, chainId: string): void {
  if (tx.chainId !== chainId)
    reject("WRONG_CHAIN_ID", `transaction is for chain "${tx.chainId}", this is "${chainId}"`);
  const p = tx.payload;
  switch (p.kind) {
    case "registerSubnet":
      if (p.name.length === 0 || Buffer.byteLength(p.name) > 64) {
        reject("MALFORMED", "a subnet name is 1 to 64 bytes");
      }
      return;
    case "issueAsset":
      if (!SYMBOL.test(p.symbol))
        reject("MALFORMED", "an asset symbol is 1 to 12 of A-Z and 0-9, starting with a letter");
      if (p.decimals > 18) reject("BAD_AMOUNT", "an asset has at most 18 decimals");
      checkAmount(p.supply, "supply");
      return;
    case "mint":
    case "faucet":
      checkAmount(p.amount, "amount");
      return;
    case "transfer":
      if (Buffer.byteLength(p.memo) > MAX_MEMO_BYTES) {
        reject("MEMO_TOO_LONG", `memo is ${Buffer.byteLength(p.memo)} bytes; the limit is ${MAX_MEMO_BYTES}`);
      }
      checkAmount(p.amount, "amount");
      return;
  }
}

export const isRefchainError = (error: unknown): error is RefchainError => error instanceof RefchainError;
