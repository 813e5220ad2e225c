import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  postgresMissing,
  runPostgresStatement,
  TEST_DATABASE_URL,
} from "../../test/support/clusterServices.ts";
import { newId } from "../ids.ts";
import { openPostgresStore } from "../store/postgres/openPostgresStore.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store, VaultKeyRecord } from "../store/store.ts";
import { MasterKeyMismatchError } from "./masterKeyMismatchError.ts";
import { MasterKeyRotationError } from "./masterKeyRotationError.ts";
import { type RotateMasterKeyOptions, rotateMasterKey } from "./rotateMasterKey.ts";
import { openBox, sealBox } from "./sealedBox.ts";
import { Vault, vaultKeyAad } from "./vault.ts";
import { VaultRotationInProgressError } from "./vaultRotationInProgressError.ts";

// Rotation on real stores: a SQLite file per test, and a fresh PostgreSQL schema per test when the
// server is reachable (as in src/store/postgres/postgresStore.test.ts).

const DATABASE_URL = TEST_DATABASE_URL;
const admin = runPostgresStatement;

interface Backend {
  name: string;
  open(): Promise<{ store: Store; remove(): Promise<void> }>;
}

const sqlite: Backend = {
  name: "SQLite",
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "vg-rotate-"));
    const store = await openSqliteStore({ path: join(dir, "gateway.db") });
    return { store, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const postgres: Backend = {
  name: "PostgreSQL",
  async open() {
    const schema = `test_${randomBytes(6).toString("hex")}`;
    await admin(`CREATE SCHEMA ${schema}`);
    const store = await openPostgresStore({ connectionString: DATABASE_URL, schema });
    return { store, remove: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
  },
};

const unreachable = await postgresMissing();
const backends: Backend[] = [sqlite];
if (unreachable === null) backends.push(postgres);
else if (process.env.REQUIRE_SERVICES === "1") {
  test("PostgreSQL is reachable (REQUIRE_SERVICES=1)", () => {
    throw new Error(unreachable);
  });
} else {
  console.log(`rotateMasterKey.test.ts runs on SQLite only: ${unreachable}`);
}

const masterKey = () => new Uint8Array(randomBytes(32));
const addressOf = (publicKey: Uint8Array) => `addr:${Buffer.from(publicKey).toString("hex")}`;

/** Which of the two master keys opens the record: exactly one of them must, at every instant. */
function sealedUnder(record: VaultKeyRecord, oldKey: Uint8Array, newKey: Uint8Array) {
  const aad = vaultKeyAad(record.id, record.scheme);
  const underOld = openBox(oldKey, record.sealed, aad) !== null;
  const underNew = openBox(newKey, record.sealed, aad) !== null;
  if (underOld && underNew) return "both";
  return underOld ? "old" : underNew ? "new" : "neither";
}

async function allKeys(store: Store): Promise<VaultKeyRecord[]> {
  return store.listVaultKeys(null, 10_000);
}

async function rotationError(promise: Promise<unknown>): Promise<MasterKeyRotationError> {
  const error = await promise.then(
    () => expect.unreachable("expected a MasterKeyRotationError"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MasterKeyRotationError);
  return error as MasterKeyRotationError;
}

/** A "crash" after `keys` keys were re-encrypted: the rotation stops there, by an exception. */
class SimulatedCrash extends Error {}
const crashAfter =
  (keys: number): RotateMasterKeyOptions["afterBatch"] =>
  (progress) => {
    if (progress.reencrypted >= keys) throw new SimulatedCrash(`crashed after ${keys} keys`);
  };

describe.each(backends)("rotateMasterKey on $name", (backend) => {
  let store: Store;
  let remove: () => Promise<void>;
  let oldKey: Uint8Array;
  let newKey: Uint8Array;
  let created: VaultKeyRecord[];

  beforeEach(async () => {
    ({ store, remove } = await backend.open());
    oldKey = masterKey();
    newKey = masterKey();
    const vault = await Vault.open(store, oldKey);
    created = [];
    for (let i = 0; i < 7; i++) created.push(await vault.createKey(i % 2 === 0 ? "ed25519" : "secp256k1"));
  });
  afterEach(async () => {
    await store.close();
    await remove();
  });

  test("moves every key to the new master key: it alone opens each; the vault opens under it and signs with every key", async () => {
    const outcome = await rotateMasterKey({ store, currentKey: oldKey, newKey, batchSize: 3 });
    expect(outcome).toEqual({ status: "finished", reencrypted: 7, alreadyRotated: 0, resumedFrom: null });

    const keys = await allKeys(store);
    expect(keys.map((key) => sealedUnder(key, oldKey, newKey))).toEqual(Array(7).fill("new"));
    // Only the sealed bytes changed.
    expect(keys.map(({ sealed: _, ...rest }) => rest)).toEqual(created.map(({ sealed: _, ...rest }) => rest));
    expect(await store.getVaultRotation()).toBeNull();

    await expect(Vault.open(store, oldKey)).rejects.toBeInstanceOf(MasterKeyMismatchError);
    const vault = await Vault.open(store, newKey);
    for (const key of created) {
      const signer = await vault.signer(key.id, addressOf);
      expect(signer.publicKey).toEqual(key.publicKey);
      const signature = await signer.sign(new Uint8Array(32).fill(7));
      expect(signature).toHaveLength(key.scheme === "ed25519" ? 64 : 65);
    }
  });

  test("a crash part-way leaves each key under exactly one master key; the vault refuses both; the same run again finishes", async () => {
    await expect(
      rotateMasterKey({ store, currentKey: oldKey, newKey, batchSize: 1, afterBatch: crashAfter(3) }),
    ).rejects.toBeInstanceOf(SimulatedCrash);

    const mid = (await allKeys(store)).map((key) => sealedUnder(key, oldKey, newKey));
    expect(mid).toEqual(["new", "new", "new", "old", "old", "old", "old"]);
    const recorded = await store.getVaultRotation();
    expect(recorded).not.toBeNull();
    for (const key of [oldKey, newKey]) {
      const error = await Vault.open(store, key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultRotationInProgressError);
      expect((error as Error).message).toMatch(/value-gateway vault rotate/);
    }

    const outcome = await rotateMasterKey({ store, currentKey: oldKey, newKey });
    expect(outcome).toEqual({
      status: "finished",
      reencrypted: 4,
      alreadyRotated: 3,
      resumedFrom: recorded?.startedAt,
    });
    expect((await allKeys(store)).map((key) => sealedUnder(key, oldKey, newKey))).toEqual(
      Array(7).fill("new"),
    );
    expect(await store.getVaultRotation()).toBeNull();
    await expect(Vault.open(store, newKey)).resolves.toBeInstanceOf(Vault);
  });

  test("half done, the two keys swapped turn back: every key under the old master key again", async () => {
    await rotateMasterKey({
      store,
      currentKey: oldKey,
      newKey,
      batchSize: 1,
      afterBatch: crashAfter(4),
    }).catch((e: unknown) => e);
    const outcome = await rotateMasterKey({ store, currentKey: newKey, newKey: oldKey });
    expect(outcome).toMatchObject({ status: "finished", reencrypted: 4, alreadyRotated: 3 });
    expect((await allKeys(store)).map((key) => sealedUnder(key, oldKey, newKey))).toEqual(
      Array(7).fill("old"),
    );
    await expect(Vault.open(store, oldKey)).resolves.toBeInstanceOf(Vault);
  });

  test("half done, a third master key is refused and changes nothing", async () => {
    await rotateMasterKey({
      store,
      currentKey: oldKey,
      newKey,
      batchSize: 1,
      afterBatch: crashAfter(2),
    }).catch((e: unknown) => e);
    const before = await allKeys(store);
    for (const [current, next] of [
      [oldKey, masterKey()],
      [masterKey(), newKey],
    ] as const) {
      const error = await rotationError(rotateMasterKey({ store, currentKey: current, newKey: next }));
      expect(error.message).toMatch(/started at .* with other keys is not finished/);
      expect(error.rotationRecorded).toBe(true);
    }
    expect(await allKeys(store)).toEqual(before);
  });

  test("a key under neither master key stops the rotation naming it; every other key stays under one of the two", async () => {
    // Sealed under a third key; its id sorts after the others, so the rotation meets it last.
    const stray: VaultKeyRecord = { ...(created[0] as VaultKeyRecord), id: newId("vk") };
    const secret = new Uint8Array(randomBytes(32));
    stray.sealed = sealBox(masterKey(), secret, vaultKeyAad(stray.id, stray.scheme));
    await store.putVaultKey(stray);

    const error = await rotationError(rotateMasterKey({ store, currentKey: oldKey, newKey, batchSize: 2 }));
    expect(error.keyId).toBe(stray.id);
    expect(error.rotationRecorded).toBe(true);
    expect(error.message).toContain(`The vault key ${stray.id} opens under neither`);
    const keys = await allKeys(store);
    expect(keys.slice(0, 7).map((key) => sealedUnder(key, oldKey, newKey))).toEqual(Array(7).fill("new"));
    expect(sealedUnder(keys[7] as VaultKeyRecord, oldKey, newKey)).toBe("neither");
    expect(await store.getVaultRotation()).not.toBeNull();
  });

  test("a current key that opens nothing is refused before anything is written", async () => {
    const error = await rotationError(rotateMasterKey({ store, currentKey: masterKey(), newKey }));
    expect(error.message).toMatch(/GATEWAY_MASTER_KEY does not open the stored vault key/);
    expect(error.rotationRecorded).toBe(false);
    expect(await store.getVaultRotation()).toBeNull();
    expect(await allKeys(store)).toEqual(created);
  });

  test("the same key twice is refused", async () => {
    const error = await rotationError(
      rotateMasterKey({ store, currentKey: oldKey, newKey: Uint8Array.from(oldKey) }),
    );
    expect(error.message).toMatch(/GATEWAY_NEW_MASTER_KEY is the same as GATEWAY_MASTER_KEY/);
    expect(await store.getVaultRotation()).toBeNull();
  });

  test("an abort between batches interrupts it; running again finishes", async () => {
    const interrupt = new AbortController();
    const outcome = await rotateMasterKey({
      store,
      currentKey: oldKey,
      newKey,
      batchSize: 2,
      signal: interrupt.signal,
      afterBatch: () => interrupt.abort(),
    });
    expect(outcome).toMatchObject({ status: "interrupted", reencrypted: 2, alreadyRotated: 0 });
    expect(await store.getVaultRotation()).not.toBeNull();
    expect(await rotateMasterKey({ store, currentKey: oldKey, newKey })).toMatchObject({
      status: "finished",
      reencrypted: 5,
      alreadyRotated: 2,
    });
  });

  test("two rotations at once with the same keys: every key re-encrypted exactly once between them", async () => {
    const [a, b] = await Promise.all([
      rotateMasterKey({ store, currentKey: oldKey, newKey, batchSize: 2 }),
      rotateMasterKey({ store, currentKey: oldKey, newKey, batchSize: 3 }),
    ]);
    expect(a.reencrypted + b.reencrypted).toBe(7);
    expect((await allKeys(store)).map((key) => sealedUnder(key, oldKey, newKey))).toEqual(
      Array(7).fill("new"),
    );
    expect(await store.getVaultRotation()).toBeNull();
  });
});

describe("rotateMasterKey on an empty vault", () => {
  test("nothing to do, nothing recorded", async () => {
    const { store, remove } = await sqlite.open();
    try {
      expect(await rotateMasterKey({ store, currentKey: masterKey(), newKey: masterKey() })).toEqual({
        status: "empty",
        reencrypted: 0,
        alreadyRotated: 0,
        resumedFrom: null,
      });
      expect(await store.getVaultRotation()).toBeNull();
    } finally {
      await store.close();
      await remove();
    }
  });
});
