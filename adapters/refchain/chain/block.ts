import { createHash } from "node:crypto";
import { encodeAddress } from "./address.ts";
import { Reader, Writer } from "./codec.ts";
import type { KeyPair } from "./keys.ts";

const BLOCK_DOMAIN = Buffer.from("refchain/block/v1\0");
const VERSION = 1;

export interface BlockHeader {
  chainId: string;
  height: bigint;
  parentHash: Uint8Array;
  /** Milliseconds since the epoch; never earlier than the parent's. */
  timestamp: bigint;
  txCount: number;
  txRoot: Uint8Array;
  stateRoot: Uint8Array;
  producer: Uint8Array;
}

export interface SealedBlockHeader extends BlockHeader {
  hash: Uint8Array;
  signature: Uint8Array;
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  return new Writer()
    .u8(VERSION)
    .string(h.chainId)
    .u64(h.height)
    .fixed(h.parentHash, 32)
    .u64(h.timestamp)
    .u64(BigInt(h.txCount))
    .fixed(h.txRoot, 32)
    .fixed(h.stateRoot, 32)
    .fixed(h.producer, 32)
    .finish();
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new Reader(bytes);
  r.u8("version");
  const header: BlockHeader = {
    chainId: r.string("chain id"),
    height: r.u64("height"),
    parentHash: r.fixed(32, "parent hash"),
    timestamp: r.u64("timestamp"),
    txCount: Number(r.u64("tx count")),
    txRoot: r.fixed(32, "tx root"),
    stateRoot: r.fixed(32, "state root"),
    producer: r.fixed(32, "producer"),
  };
  r.end("block header");
  return header;
}

export function hashHeader(encoded: Uint8Array): Buffer {
  return createHash("sha256").update(BLOCK_DOMAIN).update(encoded).digest();
}

/** Hashes and signs a header with the producer's key; the signature covers the hash. */
export function sealHeader(header: BlockHeader, producer: KeyPair): SealedBlockHeader {
  const hash = hashHeader(encodeHeader(header));
  return { ...header, hash, signature: producer.sign(hash) };
}

/** The JSON shape of a header, as the RPC and the client show it. */
export interface BlockHeaderJson {
  chainId: string;
  height: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  txCount: number;
  txRoot: string;
  stateRoot: string;
  producer: string;
  signature: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export function headerToJson(h: SealedBlockHeader): BlockHeaderJson {
  return {
    chainId: h.chainId,
    height: h.height.toString(),
    hash: hex(h.hash),
    parentHash: hex(h.parentHash),
    timestamp: h.timestamp.toString(),
    txCount: h.txCount,
    txRoot: hex(h.txRoot),
    stateRoot: hex(h.stateRoot),
    producer: encodeAddress(h.producer),
    signature: hex(h.signature),
  };
}
