import { secp256k1 } from "@noble/curves/secp256k1.js";
import { evmAddressOf } from "../../adapters/evm/evmAddressOf.ts";
import type { Signer } from "../../adapters/types.ts";

/** A Signer over a fresh secp256k1 key held in the test, signing as the vault does (r‖s‖v). */
export function newSecp256k1Signer(): Signer {
  const secretKey = secp256k1.utils.randomSecretKey();
  const publicKey = secp256k1.getPublicKey(secretKey, true);
  return {
    scheme: "secp256k1",
    publicKey,
    address: evmAddressOf(publicKey),
    sign: async (digest) => {
      // noble's "recovered" form is v‖r‖s.
      const recovered = secp256k1.sign(digest, secretKey, { prehash: false, format: "recovered" });
      const signature = new Uint8Array(65);
      signature.set(recovered.subarray(1), 0);
      signature[64] = recovered[0] ?? 0;
      return signature;
    },
  };
}
