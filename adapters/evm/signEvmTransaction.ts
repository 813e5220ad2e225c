import {
  bytesToHex,
  type Hex,
  keccak256,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from "viem";
import type { Signer } from "../types.ts";

/**
 * Signs an EIP-1559 transaction with a vault Signer (which signs a 32-byte digest as r‖s‖v and never
 * shows its private key): the digest is keccak256 of the unsigned serialization, as every wallet does.
 * Returns the raw bytes the node accepts and the hash it will know them by.
 */
export async function signEvmTransaction(
  transaction: TransactionSerializableEIP1559,
  signer: Signer,
): Promise<{ raw: Hex; hash: Hex }> {
  const digest = keccak256(serializeTransaction(transaction), "bytes");
  const signature = await signer.sign(digest);
  if (signature.length !== 65) throw new Error(`a secp256k1 signature is 65 bytes, not ${signature.length}`);
  const yParity = signature[64];
  if (yParity !== 0 && yParity !== 1) throw new Error(`recovery id ${yParity} is not 0 or 1`);
  const raw = serializeTransaction(transaction, {
    r: bytesToHex(signature.subarray(0, 32)),
    s: bytesToHex(signature.subarray(32, 64)),
    yParity,
  });
  return { raw, hash: keccak256(raw) };
}
