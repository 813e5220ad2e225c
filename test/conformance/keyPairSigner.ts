import type { KeyPair } from "../../adapters/refchain/chain/keys.ts";
import type { Signer } from "../../adapters/types.ts";

/** A Signer over a refchain KeyPair held in the test: what the vault lends the adapter, without the vault. */
export function keyPairSigner(key: KeyPair): Signer {
  return {
    scheme: "ed25519",
    publicKey: key.publicKey,
    address: key.address,
    sign: async (message) => key.sign(message),
  };
}
