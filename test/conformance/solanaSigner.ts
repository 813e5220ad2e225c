import { ed25519 } from "@noble/curves/ed25519.js";
import { base58 } from "@scure/base";
import type { Signer } from "../../adapters/types.ts";

/** A Signer over a fresh ed25519 key held in the test, with its Solana address; `secretKey` is web3.js's 64-byte form. */
export function newSolanaSigner(): Signer & { secretKey: Uint8Array } {
  const seed = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(seed);
  const secretKey = new Uint8Array(64);
  secretKey.set(seed, 0);
  secretKey.set(publicKey, 32);
  return {
    scheme: "ed25519",
    publicKey,
    address: base58.encode(publicKey),
    sign: async (message) => ed25519.sign(message, seed),
    secretKey,
  };
}
