import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signRaw,
  verify as verifyRaw,
} from "node:crypto";
import { encodeAddress } from "./address.ts";

// DER prefixes that wrap a raw 32-byte ed25519 key, so node:crypto can import it without JWK or PEM parsing.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
}

export function verifySignature(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyRaw(null, message, publicKey, signature);
}

/**
 * An ed25519 key pair. The KeyObjects are created once here and reused for every signature:
 * re-parsing a key per transaction costs more than the signature itself.
 */
export class KeyPair {
  readonly publicKey: Uint8Array;
  readonly address: string;
  readonly #private: KeyObject;
  readonly publicKeyObject: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.#private = privateKey;
    this.publicKeyObject = createPublicKey(privateKey);
    const spki = this.publicKeyObject.export({ format: "der", type: "spki" });
    this.publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    this.address = encodeAddress(this.publicKey);
  }

  static generate(): KeyPair {
    return new KeyPair(generateKeyPairSync("ed25519").privateKey);
  }

  /** From the 32-byte seed (the raw private key). */
  static fromSeed(seed: Uint8Array): KeyPair {
    if (seed.length !== 32) throw new Error("an ed25519 seed is 32 bytes");
    return new KeyPair(
      createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }),
    );
  }

  /** The 32-byte seed, for a vault to store encrypted. */
  seed(): Uint8Array {
    const pkcs8 = this.#private.export({ format: "der", type: "pkcs8" });
    return new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length));
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(signRaw(null, message, this.#private));
  }
}
