import { createPublicKey, randomBytes, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { KeyScheme } from "../../adapters/types.ts";
import { newId } from "../ids.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store, VaultKeyRecord } from "../store/store.ts";
import { MasterKeyMismatchError } from "./masterKeyMismatchError.ts";
import { openBox, sealBox } from "./sealedBox.ts";
import { Vault, type VaultStore, vaultKeyAad } from "./vault.ts";
import { VaultKeyError } from "./vaultKeyError.ts";

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const addressOf = (publicKey: Uint8Array) => `addr:${Buffer.from(publicKey).toString("hex")}`;

let dir: string;
let store: Store;
const masterKey = new Uint8Array(randomBytes(32));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "vg-vault-"));
  store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real store, except that getVaultKey hands back `alter(record)`: as if the row had been edited. */
function alteredStore(alter: (record: VaultKeyRecord) => VaultKeyRecord): VaultStore {
  return {
    putVaultKey: (key) => store.putVaultKey(key),
    anyVaultKey: () => store.anyVaultKey(),
    getVaultRotation: () => store.getVaultRotation(),
    getVaultKey: async (id) => {
      const record = await store.getVaultKey(id);
      return record === null ? null : alter(record);
    },
  };
}

function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

async function vaultKeyError(promise: Promise<unknown>): Promise<VaultKeyError> {
  const error = await promise.then(
    () => expect.unreachable("expected a VaultKeyError"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultKeyError);
  return error as VaultKeyError;
}

describe.each<[KeyScheme, number]>([
  ["ed25519", 32],
  ["secp256k1", 33],
])("Vault with %s keys", (scheme, publicKeyBytes) => {
  test("createKey stores a sealed key: nonce ‖ ciphertext ‖ tag, without the private key in it", async () => {
    const vault = await Vault.open(store, masterKey);
    const record = await vault.createKey(scheme);
    expect(record.id).toMatch(/^vk_/);
    expect(record.scheme).toBe(scheme);
    expect(record.publicKey).toHaveLength(publicKeyBytes);
    expect(record.sealed).toHaveLength(12 + 32 + 16);
    expect(await store.getVaultKey(record.id)).toEqual(record);

    const secret = openBox(masterKey, record.sealed, vaultKeyAad(record.id, scheme));
    expect(secret).toHaveLength(32);
    if (secret === null) return;
    expect(contains(record.sealed, secret)).toBe(false);
    expect(contains(record.sealed, secret.subarray(0, 8))).toBe(false);
  });

  test("a vault opened later with the same master key signs with the stored key", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey(scheme);
    const reopened = await Vault.open(store, masterKey);
    const signer = await reopened.signer(created.id, addressOf);
    expect(signer.scheme).toBe(scheme);
    expect(signer.publicKey).toEqual(created.publicKey);
    expect(signer.address).toBe(addressOf(created.publicKey));
  });

  test("wrong master key: open fails with MasterKeyMismatchError", async () => {
    await (await Vault.open(store, masterKey)).createKey(scheme);
    const error = await Vault.open(store, new Uint8Array(randomBytes(32))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MasterKeyMismatchError);
    expect((error as Error).message).toBe(
      "GATEWAY_MASTER_KEY does not open the keys stored in this gateway's store: start with the master key they were created under.",
    );
  });

  test.each([
    ["nonce", 0],
    ["ciphertext", 12 + 5],
    ["tag", 12 + 32 + 3],
  ])("a tampered %s does not open", async (_part, index) => {
    const created = await (await Vault.open(store, masterKey)).createKey(scheme);
    const vault = await Vault.open(
      alteredStore((record) => ({ ...record, sealed: flipByte(record.sealed, index) })),
      masterKey,
    );
    const error = await vaultKeyError(vault.signer(created.id, addressOf));
    expect(error.keyId).toBe(created.id);
    expect(error.message).toMatch(/does not open/);
  });

  test("AAD binding: sealed bytes copied into another record do not open", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey(scheme);
    const copy: VaultKeyRecord = { ...created, id: newId("vk") };
    await store.putVaultKey(copy);
    const vault = await Vault.open(store, masterKey);
    await vaultKeyError(vault.signer(copy.id, addressOf));
    // The original still works.
    await expect(vault.signer(created.id, addressOf)).resolves.toMatchObject({ scheme });
  });

  test("AAD binding: the same record read as the other scheme does not open", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey(scheme);
    const other: KeyScheme = scheme === "ed25519" ? "secp256k1" : "ed25519";
    const vault = await Vault.open(
      alteredStore((record) => ({ ...record, scheme: other })),
      masterKey,
    );
    await vaultKeyError(vault.signer(created.id, addressOf));
  });

  test("a stored public key that is not the sealed key's is refused", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey(scheme);
    const vault = await Vault.open(
      alteredStore((record) => ({ ...record, publicKey: flipByte(record.publicKey, publicKeyBytes - 1) })),
      masterKey,
    );
    const error = await vaultKeyError(vault.signer(created.id, addressOf));
    expect(error.message).toMatch(/public key/);
  });
});

describe("Vault signing", () => {
  test("ed25519: signs the message as is; node:crypto verifies it with the public key", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey("ed25519");
    const signer = await (await Vault.open(store, masterKey)).signer(created.id, addressOf);
    const message = new TextEncoder().encode("pay 12.5 to ref1…");
    const signature = await signer.sign(message);
    expect(signature).toHaveLength(64);

    const publicKey = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, signer.publicKey]),
      format: "der",
      type: "spki",
    });
    expect(verify(null, message, publicKey, signature)).toBe(true);
    expect(verify(null, new TextEncoder().encode("pay 99 to ref1…"), publicKey, signature)).toBe(false);
  });

  test("secp256k1: signs a 32-byte digest as r‖s‖v; noble verifies it and recovers the public key", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey("secp256k1");
    const signer = await (await Vault.open(store, masterKey)).signer(created.id, addressOf);
    for (let i = 0; i < 8; i++) {
      const digest = new Uint8Array(randomBytes(32));
      const signature = await signer.sign(digest);
      expect(signature).toHaveLength(65);
      const v = signature[64] ?? -1;
      expect([0, 1]).toContain(v);

      const compact = signature.subarray(0, 64);
      expect(secp256k1.verify(compact, digest, signer.publicKey, { prehash: false })).toBe(true);
      const recovered = secp256k1.Signature.fromBytes(compact).addRecoveryBit(v).recoverPublicKey(digest);
      expect(recovered.toBytes(true)).toEqual(signer.publicKey);
    }
  });

  test("secp256k1: anything but a 32-byte digest is refused", async () => {
    const created = await (await Vault.open(store, masterKey)).createKey("secp256k1");
    const signer = await (await Vault.open(store, masterKey)).signer(created.id, addressOf);
    await expect(signer.sign(new Uint8Array(31))).rejects.toThrow(/32-byte digest/);
  });

  test("an unknown key id is a VaultKeyError", async () => {
    const vault = await Vault.open(store, masterKey);
    const error = await vaultKeyError(vault.signer(newId("vk"), addressOf));
    expect(error.message).toMatch(/has no key/);
  });

  test("an empty store opens under any master key", async () => {
    await expect(Vault.open(store, new Uint8Array(randomBytes(32)))).resolves.toBeInstanceOf(Vault);
  });

  test("keys keep signing when the in-memory cache holds fewer keys than are in use", async () => {
    const vault = await Vault.open(store, masterKey, { cacheSize: 1 });
    const keys = [
      await vault.createKey("ed25519"),
      await vault.createKey("secp256k1"),
      await vault.createKey("ed25519"),
    ];
    for (const round of [1, 2]) {
      for (const key of keys) {
        const signer = await vault.signer(key.id, addressOf);
        expect(await signer.sign(new Uint8Array(32).fill(round))).toHaveLength(
          key.scheme === "ed25519" ? 64 : 65,
        );
      }
    }
  });
});

describe("sealedBox", () => {
  test("round trip; another key or other AAD does not open", () => {
    const key = new Uint8Array(randomBytes(32));
    const aad = new TextEncoder().encode("aad");
    const plaintext = new TextEncoder().encode("a private key");
    const sealed = sealBox(key, plaintext, aad);
    expect(openBox(key, sealed, aad)).toEqual(plaintext);
    expect(openBox(new Uint8Array(randomBytes(32)), sealed, aad)).toBeNull();
    expect(openBox(key, sealed, new TextEncoder().encode("aae"))).toBeNull();
    expect(openBox(key, sealed.subarray(0, 20), aad)).toBeNull();
    // A fresh nonce per seal: sealing twice never gives the same bytes.
    expect(sealBox(key, plaintext, aad)).not.toEqual(sealed);
  });
});
