import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex } from "viem";
import { publicKeyToAddress } from "viem/accounts";

// Addresses of keys seen lately. Deriving one (decompress the point, keccak256) costs more than a
// payment's signature check on the hot path, and the same few keys send again and again.
const KNOWN_KEYS = 10_000;
const addresses = new Map<string, string>();

/** The EIP-55 address of a secp256k1 public key, compressed (33 bytes) or not (65). */
export function evmAddressOf(publicKey: Uint8Array): string {
  const key = bytesToHex(publicKey);
  let address = addresses.get(key);
  if (address === undefined) {
    const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
    address = publicKeyToAddress(bytesToHex(uncompressed));
    if (addresses.size >= KNOWN_KEYS) addresses.delete(addresses.keys().next().value as string);
    addresses.set(key, address);
  }
  return address;
}
