import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex } from "viem";
import { publicKeyToAddress } from "viem/accounts";

/** The EIP-55 address of a secp256k1 public key, compressed (33 bytes) or not (65). */
export function evmAddressOf(publicKey: Uint8Array): string {
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return publicKeyToAddress(bytesToHex(uncompressed));
}
