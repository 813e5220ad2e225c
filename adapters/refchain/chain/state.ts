import { createHash } from "node:crypto";

export interface Subnet {
  id: string;
  owner: string;
  name: string;
}

export interface Asset {
  id: string;
  /** null for the native asset, which belongs to no subnet. */
  subnet: string | null;
  symbol: string;
  decimals: number;
  issuer: string;
  supply: bigint;
}

/**
 * The whole ledger state is a map of leaves. Keys name what a leaf holds:
 *   n|<address>           next nonce of an account (bigint)
 *   b|<address>|<asset>   balance in base units (bigint)
 *   s|<subnet id>         a Subnet
 *   a|<asset id>          an Asset
 * One shape for everything keeps persistence, the commitment and verification to one code path.
 */
export type LeafValue = bigint | Subnet | Asset;

export const nonceKey = (address: string) => `n|${address}`;
export const balanceKey = (address: string, asset: string) => `b|${address}|${asset}`;
export const subnetKey = (id: string) => `s|${id}`;
export const assetKey = (id: string) => `a|${id}`;

export const NATIVE_ASSET = "REF";

/** The canonical text of a leaf: what is stored, and what the state commitment hashes. */
export function encodeLeaf(key: string, value: LeafValue): string {
  switch (key[0]) {
    case "n":
    case "b":
      return (value as bigint).toString();
    case "s": {
      const s = value as Subnet;
      return JSON.stringify([s.id, s.owner, s.name]);
    }
    case "a": {
      const a = value as Asset;
      return JSON.stringify([a.id, a.subnet, a.symbol, a.decimals, a.issuer, a.supply.toString()]);
    }
    default:
      throw new Error(`unknown state key ${key}`);
  }
}

export function decodeLeaf(key: string, text: string): LeafValue {
  switch (key[0]) {
    case "n":
    case "b":
      return BigInt(text);
    case "s": {
      const [id, owner, name] = JSON.parse(text);
      return { id, owner, name };
    }
    case "a": {
      const [id, subnet, symbol, decimals, issuer, supply] = JSON.parse(text);
      return { id, subnet, symbol, decimals, issuer, supply: BigInt(supply) };
    }
    default:
      throw new Error(`unknown state key ${key}`);
  }
}

const STATE_DOMAIN = Buffer.from("refchain/state/v1\0");

/**
 * The state commitment of a block: a hash over its parent's commitment and every leaf the block
 * wrote, in key order. By induction from genesis it commits to the whole state, and it costs one
 * hash pass over what changed rather than a tree over everything.
 */
export function commitState(parentStateRoot: Uint8Array, writes: ReadonlyMap<string, LeafValue>): Buffer {
  const hash = createHash("sha256").update(STATE_DOMAIN).update(parentStateRoot);
  // Each leaf goes in as u32 length || UTF-8 text. They are laid out in one buffer and hashed with
  // one update: an update (and a byteLength) per leaf cost more than the hashing itself.
  let buffer = Buffer.allocUnsafe(writes.size * 128 + 4);
  let length = 0;
  for (const key of [...writes.keys()].sort()) {
    const text = `${key}=${encodeLeaf(key, writes.get(key) as LeafValue)}`;
    const most = 4 + 3 * text.length; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (length + most > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * buffer.length, length + most));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const written = buffer.write(text, length + 4, "utf8");
    buffer.writeUInt32BE(written, length);
    length += 4 + written;
  }
  return hash.update(buffer.subarray(0, length)).digest();
}
