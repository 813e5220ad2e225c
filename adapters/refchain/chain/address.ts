import { bech32m } from "@scure/base";
import { RefchainError } from "./errors.ts";

/** Human-readable prefix of every refchain address. */
export const ADDRESS_PREFIX = "ref";

/** An address is bech32m(prefix "ref", 32-byte ed25519 public key): typos are caught by the checksum. */
export function encodeAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RefchainError("BAD_ADDRESS", "a public key is 32 bytes");
  return bech32m.encode(ADDRESS_PREFIX, bech32m.toWords(publicKey));
}

/** Decodes an address to its public key, or throws BAD_ADDRESS saying what is wrong with it. */
export function decodeAddress(address: string): Uint8Array {
  if (typeof address !== "string" || address.length === 0) {
    throw new RefchainError("BAD_ADDRESS", "an address is a non-empty string starting with ref1");
  }
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32m.decode(address as `${string}1${string}`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RefchainError("BAD_ADDRESS", `"${address}" is not a valid refchain address (${why})`);
  }
  if (decoded.prefix !== ADDRESS_PREFIX) {
    throw new RefchainError(
      "BAD_ADDRESS",
      `"${address}" has prefix "${decoded.prefix}"; refchain addresses start with "${ADDRESS_PREFIX}1"`,
    );
  }
  const bytes = bech32m.fromWords(decoded.words);
  if (bytes.length !== 32) {
    throw new RefchainError("BAD_ADDRESS", `"${address}" holds ${bytes.length} bytes; an address holds 32`);
  }
  return bytes;
}

export function isAddress(address: string): boolean {
  try {
    decodeAddress(address);
    return true;
  } catch {
    return false;
  }
}
