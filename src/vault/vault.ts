import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signWithKeyObject,
} from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { KeyScheme, Signer } from "../../adapters/types.ts";
import { newId } from "../ids.ts";
import type { Store, VaultKeyRecord } from "../store/store.ts";
import { MasterKeyMismatchError } from "./masterKeyMismatchError.ts";
import { openBox, sealBox } from "./sealedBox.ts";
import { VaultKeyError } from "./vaultKeyError.ts";
import { VaultRotationInProgressError } from "./vaultRotationInProgressError.ts";

/** What the vault needs from the store. */
export type VaultStore = Pick<Store, "putVaultKey" | "getVaultKey" | "anyVaultKey" | "getVaultRotation">;

export interface VaultOptions {
  /** How many unsealed keys to keep in memory, least recently used out first. Default 10,000. */
  cacheSize?: number;
}

// DER headers around a raw 32-byte ed25519 key, so node:crypto imports and exports it without PEM.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** A key out of its box: lives only in the vault's cache and in the closures of the signers it lends. */
type UnsealedKey =
  | { scheme: "ed25519"; publicKey: Uint8Array; privateKey: KeyObject }
  | { scheme: "secp256k1"; publicKey: Uint8Array; secretKey: Uint8Array };

/**
 * The associated data a key's box is sealed with. Binding the id and the scheme means a sealed blob
 * copied into another record (another account's, or the same bytes read as the other scheme) does
 * not open.
 */
export function vaultKeyAad(id: string, scheme: KeyScheme): Uint8Array {
  return new TextEncoder().encode(`value-gateway/vault-key/v1\0${id}\0${scheme}`);
}

/**
 * Managed keys, encrypted at rest under GATEWAY_MASTER_KEY (AES-256-GCM) and stored through the
 * Store as VaultKeyRecords. A private key never leaves this module: callers get a public key and a
 * Signer whose `sign` closes over the key.
 */
export class Vault {
  readonly #store: VaultStore;
  readonly #masterKey: Uint8Array;
  readonly #cacheSize: number;
  // Unsealing costs an AES-GCM open plus a key import: too slow per signature at thousands of
  // payments per second, so unsealed keys stay here (still inside the vault) once used.
  readonly #cache = new Map<string, UnsealedKey>();

  private constructor(store: VaultStore, masterKey: Uint8Array, cacheSize: number) {
    this.#store = store;
    this.#masterKey = masterKey;
    this.#cacheSize = cacheSize;
  }

  /**
   * Opens the vault over `store` with `masterKey` (32 bytes). Refuses while a master key rotation is
   * half done (VaultRotationInProgressError): the keys are then sealed under two master keys, and one
   * probe could not tell. Otherwise checks the master key against a key already stored, if any:
   * MasterKeyMismatchError when it does not open it, before anything new is sealed under the wrong key.
   */
  static async open(store: VaultStore, masterKey: Uint8Array, options: VaultOptions = {}): Promise<Vault> {
    if (masterKey.length !== 32) throw new RangeError(`the master key is 32 bytes, got ${masterKey.length}`);
    const rotation = await store.getVaultRotation();
    if (rotation !== null) throw new VaultRotationInProgressError(rotation.startedAt);
    const probe = await store.anyVaultKey();
    if (probe !== null && openBox(masterKey, probe.sealed, vaultKeyAad(probe.id, probe.scheme)) === null) {
      throw new MasterKeyMismatchError();
    }
    // A copy: the caller's array may be reused or wiped.
    return new Vault(store, Uint8Array.from(masterKey), options.cacheSize ?? 10_000);
  }

  /** Generates a key of `scheme`, seals it, stores it, and returns its record (public key, sealed bytes). */
  async createKey(scheme: KeyScheme): Promise<VaultKeyRecord> {
    const id = newId("vk");
    const secret = generateSecret(scheme);
    try {
      const unsealed = unsealedFromSecret(scheme, secret);
      const record: VaultKeyRecord = {
        id,
        scheme,
        publicKey: Uint8Array.from(unsealed.publicKey),
        sealed: sealBox(this.#masterKey, secret, vaultKeyAad(id, scheme)),
        createdAt: new Date(),
      };
      await this.#store.putVaultKey(record);
      this.#remember(id, unsealed);
      return record;
    } finally {
      secret.fill(0);
    }
  }

  /**
   * Lends the key `keyId` as a Signer for a chain whose addresses `addressOf` derives. ed25519 signs
   * the message as is; secp256k1 signs a 32-byte digest and returns r‖s‖v (v = recovery id 0/1,
   * low-s). VaultKeyError when the key does not exist or its sealed bytes do not open.
   */
  async signer(keyId: string, addressOf: (publicKey: Uint8Array) => string): Promise<Signer> {
    const key = await this.#unsealed(keyId);
    const publicKey = Uint8Array.from(key.publicKey);
    const address = addressOf(publicKey);
    if (key.scheme === "ed25519") {
      const { privateKey } = key;
      return {
        scheme: "ed25519",
        publicKey,
        address,
        sign: async (message) => new Uint8Array(signWithKeyObject(null, message, privateKey)),
      };
    }
    const { secretKey } = key;
    return {
      scheme: "secp256k1",
      publicKey,
      address,
      sign: async (digest) => {
        if (digest.length !== 32) {
          throw new RangeError(`secp256k1 signs a 32-byte digest, got ${digest.length} bytes`);
        }
        // noble's "recovered" form is v‖r‖s; the Signer contract (and Ethereum) wants r‖s‖v.
        const recovered = secp256k1.sign(digest, secretKey, { prehash: false, format: "recovered" });
        const signature = new Uint8Array(65);
        signature.set(recovered.subarray(1), 0);
        signature[64] = recovered[0] ?? 0;
        return signature;
      },
    };
  }

  async #unsealed(keyId: string): Promise<UnsealedKey> {
    const cached = this.#cache.get(keyId);
    if (cached !== undefined) {
      this.#remember(keyId, cached);
      return cached;
    }
    const record = await this.#store.getVaultKey(keyId);
    if (record === null) throw new VaultKeyError(keyId, `The vault has no key ${keyId}.`);
    if (record.scheme !== "ed25519" && record.scheme !== "secp256k1") {
      throw new VaultKeyError(
        keyId,
        `The vault key ${keyId} has an unknown scheme "${String(record.scheme)}".`,
      );
    }
    const secret = openBox(this.#masterKey, record.sealed, vaultKeyAad(record.id, record.scheme));
    if (secret === null) {
      throw new VaultKeyError(
        keyId,
        `The sealed vault key ${keyId} does not open: its bytes were altered or copied from another key.`,
      );
    }
    try {
      const unsealed = unsealedFromSecret(record.scheme, secret);
      // The public key is stored in the clear: check it belongs to the sealed key, so an altered
      // public key (and the address made from it) cannot pass for this key.
      if (!bytesEqual(unsealed.publicKey, record.publicKey)) {
        throw new VaultKeyError(
          keyId,
          `The vault key ${keyId} has a public key that does not match its sealed key.`,
        );
      }
      this.#remember(keyId, unsealed);
      return unsealed;
    } finally {
      secret.fill(0);
    }
  }

  #remember(keyId: string, key: UnsealedKey): void {
    // Map keeps insertion order: re-inserting marks it most recently used, the first is the oldest.
    this.#cache.delete(keyId);
    this.#cache.set(keyId, key);
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
  }
}

/** A fresh private key: the ed25519 seed or the secp256k1 scalar, 32 bytes either way. */
function generateSecret(scheme: KeyScheme): Uint8Array {
  if (scheme === "secp256k1") return secp256k1.utils.randomSecretKey();
  const pkcs8 = generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" });
  const seed = Uint8Array.from(pkcs8.subarray(ED25519_PKCS8_PREFIX.length));
  pkcs8.fill(0);
  return seed;
}

/** The usable key for a 32-byte secret. Copies what it keeps, so the caller may wipe `secret`. */
function unsealedFromSecret(scheme: KeyScheme, secret: Uint8Array): UnsealedKey {
  if (secret.length !== 32) throw new RangeError(`a ${scheme} private key is 32 bytes, got ${secret.length}`);
  if (scheme === "secp256k1") {
    return { scheme, publicKey: secp256k1.getPublicKey(secret, true), secretKey: Uint8Array.from(secret) };
  }
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, secret]);
  try {
    const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    return { scheme, publicKey: Uint8Array.from(spki.subarray(ED25519_SPKI_PREFIX.length)), privateKey };
  } finally {
    der.fill(0);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
