// One suite for every Store implementation (SQLite today, PostgreSQL next): each implementation's
// test file calls storeSuite with a way to open a fresh, empty store. Tests assert on what a caller
// of the Store sees, never on tables or SQL, so the same suite proves every backend.

import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { newId } from "../ids.ts";
import { newOutgoingPayment } from "../modules/payment/newOutgoingPayment.ts";
import { credentialStoreTests } from "./credentialStoreTests.ts";
import { isStaleFenceError, StaleFenceError } from "./staleFenceError.ts";
import type {
  AccountRecord,
  ApiKeyRecord,
  AssetRecord,
  ChainProgress,
  PaymentChange,
  PaymentEventRecord,
  PaymentRecord,
  Store,
  SubnetRecord,
  TenantRecord,
  VaultKeyRecord,
} from "./store.ts";

/** A fresh, empty store, and how to stop it (and remove what it made). */
export interface StoreSuiteHandle {
  store: Store;
  /** Closes the current store (the reopened one, after reopen) and removes its data. */
  close(): Promise<void>;
  /** Closes the store and opens the same data again; the durability test is skipped without it. */
  reopen?(): Promise<Store>;
}

const CHAIN = "refchain:local";
const OTHER_CHAIN = "eip155:31337";
/** Past any 64-bit integer: amounts must survive as exact decimals. */
const MAX_UINT256 = 2n ** 256n - 1n;
/** Past 2^53: a JS number would round it. */
const BIG_HEIGHT = 2n ** 53n + 7n;

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const bytes = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
const sortedById = <T extends { id: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

function newTenant(name = "Acme"): { tenant: TenantRecord; apiKey: ApiKeyRecord } {
  const tenant: TenantRecord = { id: newId("ten"), name, createdAt: new Date() };
  const apiKey: ApiKeyRecord = {
    id: newId("key"),
    tenantId: tenant.id,
    label: "first",
    secretHash: hex(32),
    createdAt: tenant.createdAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { tenant, apiKey };
}

function newVaultKey(): VaultKeyRecord {
  return {
    id: newId("vk"),
    scheme: "ed25519",
    publicKey: bytes(32),
    sealed: bytes(60),
    createdAt: new Date(),
  };
}

function nativeAsset(chainId: string): AssetRecord {
  return { id: `${chainId}/native`, chainId, kind: "NATIVE", symbol: "REF", decimals: 9, address: null };
}

function newSubnet(tenantId: string, chainId = CHAIN, asset = nativeAsset(chainId)): SubnetRecord {
  return { id: newId("sub"), tenantId, name: "main", chainId, asset, createdAt: new Date() };
}

function newAccount(subnet: SubnetRecord, keyId: string | null = null): AccountRecord {
  return {
    id: newId("acc"),
    tenantId: subnet.tenantId,
    subnetId: subnet.id,
    chainId: subnet.chainId,
    address: `ref1${hex(16)}`,
    label: keyId === null ? null : "treasury",
    custody: keyId === null ? "EXTERNAL" : "MANAGED",
    keyId,
    createdAt: new Date(),
  };
}

/** A tenant with a subnet and two accounts: what most payment tests start from. */
interface World {
  tenant: TenantRecord;
  subnet: SubnetRecord;
  /** MANAGED: the sender of OUTGOING payments. */
  account: AccountRecord;
  /** EXTERNAL: the receiver of INCOMING ones. */
  other: AccountRecord;
}

async function newWorld(store: Store, chainId = CHAIN): Promise<World> {
  const { tenant, apiKey } = newTenant();
  await store.createTenant(tenant, apiKey);
  const key = newVaultKey();
  await store.putVaultKey(key);
  const subnet = newSubnet(tenant.id, chainId);
  await store.createSubnet(subnet);
  const account = newAccount(subnet, key.id);
  const other = newAccount(subnet);
  await store.createAccount(account);
  await store.createAccount(other);
  return { tenant, subnet, account, other };
}

function outgoing(w: World, patch: Partial<PaymentRecord> = {}): PaymentRecord {
  return {
    ...newOutgoingPayment({
      from: w.account,
      asset: w.subnet.asset,
      amount: 1_000n,
      toAddress: w.other.address,
      toAccountId: w.other.id,
      idempotencyKey: `idem-${hex(8)}`,
      inputHash: hex(32),
    }),
    ...patch,
  };
}

function incoming(w: World, patch: Partial<PaymentRecord> = {}): PaymentRecord {
  return outgoing(w, {
    direction: "INCOMING",
    accountId: w.other.id,
    fromAddress: `ref1${hex(16)}`,
    toAddress: w.other.address,
    toAccountId: null,
    status: "CONFIRMED",
    txHash: hex(32),
    blockHeight: 10n,
    blockHash: hex(32),
    transferIndex: 0,
    confirmations: 1,
    idempotencyKey: null,
    inputHash: null,
    ...patch,
  });
}

/** What `write` rejected with; fails the test if it resolved. */
async function refusal(write: Promise<unknown>): Promise<unknown> {
  return write.then(
    () => {
      throw new Error("expected the write to be refused, but it went through");
    },
    (error: unknown) => error,
  );
}

/** Declares the Store tests for one implementation; `open` gives each test a fresh, empty store. */
export function storeSuite(name: string, open: () => Promise<StoreSuiteHandle>): void {
  describe(name, () => {
    let handle: StoreSuiteHandle;
    let store: Store;

    beforeEach(async () => {
      handle = await open();
      store = handle.store;
    });

    afterEach(async () => {
      await handle.close();
    });

    describe("tenants and credentials", () => {
      test("createTenant: the tenant and its first API key read back as written", async () => {
        const { tenant, apiKey } = newTenant("Acme Payments");
        await store.createTenant(tenant, apiKey);

        expect(await store.getTenants([tenant.id, "ten_missing", tenant.id])).toEqual([tenant, null, tenant]);
        expect(await store.getTenants([])).toEqual([]);
        expect(await store.findApiKeyBySecretHash(apiKey.secretHash)).toEqual(apiKey);
        expect(await store.findApiKeyBySecretHash(hex(32))).toBeNull();
      });

      test("createApiKey: a used, revoked key keeps its dates and is still found by its hash", async () => {
        const { tenant, apiKey } = newTenant();
        await store.createTenant(tenant, apiKey);
        const second: ApiKeyRecord = {
          ...apiKey,
          id: newId("key"),
          label: "ci",
          secretHash: hex(32),
          lastUsedAt: new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)),
          revokedAt: new Date(Date.UTC(2031, 5, 6)),
        };
        await store.createApiKey(second);

        expect(await store.findApiKeyBySecretHash(second.secretHash)).toEqual(second);
        expect(await store.findApiKeyBySecretHash(apiKey.secretHash)).toEqual(apiKey);
      });

      test("createTenant: a key whose secret hash is taken fails and leaves no tenant behind", async () => {
        const first = newTenant();
        await store.createTenant(first.tenant, first.apiKey);
        const second = newTenant("Copycat");
        second.apiKey.secretHash = first.apiKey.secretHash;

        await expect(store.createTenant(second.tenant, second.apiKey)).rejects.toThrow();
        expect(await store.getTenants([second.tenant.id])).toEqual([null]);
        expect(await store.findApiKeyBySecretHash(first.apiKey.secretHash)).toEqual(first.apiKey);
      });

      test("listTenants: oldest first, `first` items per page, `after` continues, hasNextPage tells the end", async () => {
        const tenants: TenantRecord[] = [];
        for (let i = 0; i < 5; i++) {
          const { tenant, apiKey } = newTenant(`tenant ${i}`);
          await store.createTenant(tenant, apiKey);
          tenants.push(tenant);
        }

        const page1 = await store.listTenants({ first: 2 });
        expect(page1.items).toEqual(tenants.slice(0, 2));
        expect(page1.cursors).toHaveLength(2);
        expect(page1.hasNextPage).toBe(true);
        const page2 = await store.listTenants({ first: 2, after: page1.cursors[1] });
        expect(page2.items).toEqual(tenants.slice(2, 4));
        expect(page2.hasNextPage).toBe(true);
        const page3 = await store.listTenants({ first: 2, after: page2.cursors[1] });
        expect(page3.items).toEqual(tenants.slice(4));
        expect(page3.hasNextPage).toBe(false);

        const all = await store.listTenants({ first: 5, after: null });
        expect(all.items).toEqual(tenants);
        expect(all.hasNextPage).toBe(false);
        // A cursor from the middle of a page is as good as one from its end.
        expect((await store.listTenants({ first: 10, after: page1.cursors[0] })).items).toEqual(
          tenants.slice(1),
        );
      });
    });

    credentialStoreTests(() => store);

    describe("vault keys", () => {
      test("putVaultKey: public key and sealed bytes read back exactly; anyVaultKey is null only while empty", async () => {
        expect(await store.anyVaultKey()).toBeNull();
        const key = newVaultKey();
        const secp: VaultKeyRecord = { ...newVaultKey(), scheme: "secp256k1", publicKey: bytes(33) };
        await store.putVaultKey(key);
        await store.putVaultKey(secp);

        expect(await store.getVaultKey(key.id)).toEqual(key);
        expect(await store.getVaultKey(secp.id)).toEqual(secp);
        expect(await store.getVaultKey("vk_missing")).toBeNull();
        expect([key, secp]).toContainEqual(await store.anyVaultKey());
      });

      test("setOwnerKeyId: the first key set for a tenant and chain stays in force", async () => {
        const { tenant, apiKey } = newTenant();
        await store.createTenant(tenant, apiKey);
        const [k1, k2, k3] = [newVaultKey(), newVaultKey(), newVaultKey()];
        for (const k of [k1, k2, k3]) await store.putVaultKey(k);

        expect(await store.getOwnerKeyId(tenant.id, CHAIN)).toBeNull();
        expect(await store.setOwnerKeyId(tenant.id, CHAIN, k1.id)).toBe(k1.id);
        expect(await store.setOwnerKeyId(tenant.id, CHAIN, k2.id)).toBe(k1.id);
        expect(await store.getOwnerKeyId(tenant.id, CHAIN)).toBe(k1.id);
        // Another chain has its own owner key.
        expect(await store.getOwnerKeyId(tenant.id, OTHER_CHAIN)).toBeNull();
        expect(await store.setOwnerKeyId(tenant.id, OTHER_CHAIN, k3.id)).toBe(k3.id);
      });

      test("setOwnerKeyId: concurrent first calls agree on one key", async () => {
        const { tenant, apiKey } = newTenant();
        await store.createTenant(tenant, apiKey);
        const keys = Array.from({ length: 10 }, newVaultKey);
        for (const k of keys) await store.putVaultKey(k);

        const answers = await Promise.all(keys.map((k) => store.setOwnerKeyId(tenant.id, CHAIN, k.id)));
        expect(new Set(answers).size).toBe(1);
        expect(await store.getOwnerKeyId(tenant.id, CHAIN)).toBe(answers[0]);
      });

      test("listVaultKeys: pages through every key in id order", async () => {
        expect(await store.listVaultKeys(null, 10)).toEqual([]);
        const keys = Array.from({ length: 5 }, newVaultKey);
        // Stored out of order: the order read is the ids', not the writes'.
        for (const k of [...keys].reverse()) await store.putVaultKey(k);

        const first = await store.listVaultKeys(null, 2);
        expect(first).toEqual(keys.slice(0, 2));
        expect(await store.listVaultKeys(first[1]?.id ?? null, 2)).toEqual(keys.slice(2, 4));
        expect(await store.listVaultKeys(keys[3]?.id ?? null, 2)).toEqual(keys.slice(4));
        expect(await store.listVaultKeys(keys[4]?.id ?? null, 2)).toEqual([]);
        expect(await store.listVaultKeys(null, 100)).toEqual(keys);
      });

      test("replaceVaultKeySealed: replaces only while the bytes are still the expected ones", async () => {
        const key = newVaultKey();
        const other = newVaultKey();
        await store.putVaultKey(key);
        await store.putVaultKey(other);
        const resealed = bytes(60);

        expect(await store.replaceVaultKeySealed(key.id, key.sealed, resealed)).toBe(true);
        expect(await store.getVaultKey(key.id)).toEqual({ ...key, sealed: resealed });
        // The old bytes are no longer there: a second writer holding them changes nothing.
        expect(await store.replaceVaultKeySealed(key.id, key.sealed, bytes(60))).toBe(false);
        expect(await store.getVaultKey(key.id)).toEqual({ ...key, sealed: resealed });
        expect(await store.replaceVaultKeySealed("vk_missing", key.sealed, bytes(60))).toBe(false);
        // Other keys are untouched.
        expect(await store.getVaultKey(other.id)).toEqual(other);
      });

      test("replaceVaultKeySealed: of concurrent replacements from the same bytes, exactly one wins", async () => {
        const key = newVaultKey();
        await store.putVaultKey(key);
        const candidates = Array.from({ length: 8 }, () => bytes(60));

        const answers = await Promise.all(
          candidates.map((sealed) => store.replaceVaultKeySealed(key.id, key.sealed, sealed)),
        );
        expect(answers.filter(Boolean)).toHaveLength(1);
        const winner = candidates[answers.indexOf(true)];
        expect((await store.getVaultKey(key.id))?.sealed).toEqual(winner);
      });

      test("vault rotation: recorded once, the first one stays in force until it ends", async () => {
        expect(await store.getVaultRotation()).toBeNull();
        const first = { fromKeyCheck: bytes(44), toKeyCheck: bytes(44), startedAt: new Date() };
        const second = { fromKeyCheck: bytes(44), toKeyCheck: bytes(44), startedAt: new Date() };

        expect(await store.beginVaultRotation(first)).toEqual(first);
        expect(await store.beginVaultRotation(second)).toEqual(first);
        expect(await store.getVaultRotation()).toEqual(first);

        await store.endVaultRotation();
        expect(await store.getVaultRotation()).toBeNull();
        // Ending twice is harmless; a later rotation can begin.
        await store.endVaultRotation();
        expect(await store.beginVaultRotation(second)).toEqual(second);
        expect(await store.getVaultRotation()).toEqual(second);
      });
    });

    describe("subnets and accounts", () => {
      test("createSubnet: native and token assets read back exactly; unknown ids answer null in place", async () => {
        const { tenant, apiKey } = newTenant();
        await store.createTenant(tenant, apiKey);
        const native = newSubnet(tenant.id);
        const token = newSubnet(tenant.id, OTHER_CHAIN, {
          id: `${OTHER_CHAIN}/0xabc`,
          chainId: OTHER_CHAIN,
          kind: "TOKEN",
          symbol: "USDX",
          decimals: 18,
          address: "0x00000000000000000000000000000000000000aB",
        });
        await store.createSubnet(native);
        await store.createSubnet(token);

        expect(await store.getSubnets([token.id, "sub_missing", native.id])).toEqual([token, null, native]);
      });

      test("listSubnets: only the tenant's subnets, oldest first, paged", async () => {
        const a = newTenant("A");
        const b = newTenant("B");
        await store.createTenant(a.tenant, a.apiKey);
        await store.createTenant(b.tenant, b.apiKey);
        const mine: SubnetRecord[] = [];
        for (let i = 0; i < 3; i++) {
          const subnet = { ...newSubnet(a.tenant.id), name: `s${i}` };
          await store.createSubnet(subnet);
          mine.push(subnet);
          await store.createSubnet(newSubnet(b.tenant.id));
        }

        const page1 = await store.listSubnets(a.tenant.id, { first: 2 });
        expect(page1.items).toEqual(mine.slice(0, 2));
        expect(page1.hasNextPage).toBe(true);
        const page2 = await store.listSubnets(a.tenant.id, { first: 2, after: page1.cursors[1] });
        expect(page2.items).toEqual(mine.slice(2));
        expect(page2.hasNextPage).toBe(false);
        expect((await store.listSubnets(newId("ten"), { first: 5 })).items).toEqual([]);
      });

      test("createAccount: MANAGED and EXTERNAL accounts read back exactly, in the order asked", async () => {
        const w = await newWorld(store);
        expect(await store.getAccounts([w.other.id, "acc_missing", w.account.id])).toEqual([
          w.other,
          null,
          w.account,
        ]);
        expect(w.account.keyId).not.toBeNull();
        expect(w.other).toMatchObject({ custody: "EXTERNAL", keyId: null, label: null });
      });

      test("createAccount: an account in a subnet that does not exist is refused", async () => {
        const w = await newWorld(store);
        const ghost = { ...newAccount(w.subnet), subnetId: newId("sub") };
        await expect(store.createAccount(ghost)).rejects.toThrow();
        expect(await store.getAccounts([ghost.id])).toEqual([null]);
      });

      test("listAccounts: the subnet's accounts, oldest first, paged", async () => {
        const w = await newWorld(store);
        const more = [newAccount(w.subnet), newAccount(w.subnet)];
        for (const a of more) await store.createAccount(a);
        const second = newSubnet(w.tenant.id);
        await store.createSubnet(second);
        await store.createAccount(newAccount(second));

        const page1 = await store.listAccounts(w.subnet.id, { first: 3 });
        expect(page1.items).toEqual([w.account, w.other, more[0]]);
        expect(page1.hasNextPage).toBe(true);
        const page2 = await store.listAccounts(w.subnet.id, { first: 3, after: page1.cursors[2] });
        expect(page2.items).toEqual([more[1]]);
        expect(page2.hasNextPage).toBe(false);
      });

      test("findAccountsByAddress: every tenant's accounts with those addresses on that chain only", async () => {
        const w1 = await newWorld(store);
        const w2 = await newWorld(store);
        const elsewhere = await newWorld(store, OTHER_CHAIN);
        // The same address string on another chain is another account.
        const twin = { ...newAccount(elsewhere.subnet), address: w1.other.address };
        await store.createAccount(twin);

        const found = await store.findAccountsByAddress(CHAIN, [
          w1.other.address,
          w2.account.address,
          "ref1nobody",
        ]);
        expect(sortedById(found)).toEqual(sortedById([w1.other, w2.account]));
        expect(await store.findAccountsByAddress(OTHER_CHAIN, [w1.other.address])).toEqual([twin]);
        expect(await store.findAccountsByAddress(CHAIN, [])).toEqual([]);
      });
    });

    describe("payments", () => {
      test("recordPayment: every field round-trips, amounts past 2^256 - 1 and heights past 2^53 included", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w, {
          amount: MAX_UINT256,
          memo: "invoice 42 — ünïcødé",
          status: "SUBMITTED",
          txHash: hex(32),
          rawTransaction: bytes(200),
          nonce: BIG_HEIGHT,
          validUntilHeight: BIG_HEIGHT + 100n,
          blockHeight: BIG_HEIGHT - 1n,
          blockHash: hex(32),
          confirmations: 3,
          fee: 2n ** 70n + 1n,
          errorCode: "X",
          errorMessage: "not really",
          createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 1)),
          updatedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 999)),
        });

        const result = await store.recordPayment(payment);
        expect(result.created).toBe(true);
        expect(result.payment).toEqual(payment);
        expect(await store.getPayments([payment.id])).toEqual([payment]);
        expect(
          await store.findPaymentByIdempotencyKey(w.tenant.id, payment.idempotencyKey as string),
        ).toEqual(payment);

        // Recorded already SUBMITTED (signed, not yet broadcast): CREATED then SUBMITTED, one write.
        const events = await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 10 });
        expect(events).toHaveLength(2);
        expect(events[0]).toMatchObject({
          type: "CREATED",
          paymentId: payment.id,
          payment: { ...payment, status: "PENDING" },
          at: payment.createdAt,
        });
        expect(events[1]).toMatchObject({
          type: "SUBMITTED",
          paymentId: payment.id,
          payment,
          at: payment.updatedAt,
        });
        if (result.created) expect(events[0]).toEqual(result.event);
      });

      test("recordPayment: a replay with the same key returns the first payment and appends nothing", async () => {
        const w = await newWorld(store);
        const first = outgoing(w, { amount: 5n });
        await store.recordPayment(first);
        const replay = outgoing(w, { idempotencyKey: first.idempotencyKey, amount: 6n, inputHash: hex(32) });

        const result = await store.recordPayment(replay);
        expect(result).toEqual({ created: false, payment: first });
        expect(await store.getPayments([replay.id])).toEqual([null]);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 10 })).toHaveLength(1);
      });

      test("recordPayment: 50 concurrent calls with one key create exactly one payment", async () => {
        const w = await newWorld(store);
        const key = `idem-${hex(8)}`;
        const attempts = Array.from({ length: 50 }, () => outgoing(w, { idempotencyKey: key }));
        // Half issued in one tick, half in the next: together and apart.
        const early = attempts.slice(0, 25).map((p) => store.recordPayment(p));
        await new Promise((resolve) => setImmediate(resolve));
        const late = attempts.slice(25).map((p) => store.recordPayment(p));
        const results = await Promise.all([...early, ...late]);

        const created = results.filter((r) => r.created);
        expect(created).toHaveLength(1);
        const winner = created[0]?.payment as PaymentRecord;
        for (const r of results) expect(r.payment).toEqual(winner);
        const listed = await store.listPayments({ tenantId: w.tenant.id }, { first: 100 });
        expect(listed.items).toEqual([winner]);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 })).toHaveLength(1);
      });

      test("recordPayment: the same key in two tenants is two payments", async () => {
        const w1 = await newWorld(store);
        const w2 = await newWorld(store);
        const key = "shared-key";
        const [r1, r2] = await Promise.all([
          store.recordPayment(outgoing(w1, { idempotencyKey: key })),
          store.recordPayment(outgoing(w2, { idempotencyKey: key })),
        ]);
        expect(r1.created && r2.created).toBe(true);
        expect((await store.findPaymentByIdempotencyKey(w1.tenant.id, key))?.id).toBe(r1.payment.id);
        expect((await store.findPaymentByIdempotencyKey(w2.tenant.id, key))?.id).toBe(r2.payment.id);
        expect(await store.findPaymentByIdempotencyKey(w1.tenant.id, "other-key")).toBeNull();
      });

      test("recordPayment: one invalid write fails alone; the writes issued with it are recorded", async () => {
        const w = await newWorld(store);
        const good = Array.from({ length: 5 }, () => outgoing(w));
        const bad = outgoing(w, { accountId: newId("acc") });
        const outcomes = await Promise.allSettled([
          store.recordPayment(good[0] as PaymentRecord),
          store.recordPayment(good[1] as PaymentRecord),
          store.recordPayment(bad),
          store.recordPayment(good[2] as PaymentRecord),
          store.recordPayment(good[3] as PaymentRecord),
          store.recordPayment(good[4] as PaymentRecord),
        ]);

        expect(outcomes.map((o) => o.status)).toEqual([
          "fulfilled",
          "fulfilled",
          "rejected",
          "fulfilled",
          "fulfilled",
          "fulfilled",
        ]);
        expect(await store.getPayments([...good.map((p) => p.id), bad.id])).toEqual([...good, null]);
        const events = await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 });
        expect(events.map((e) => e.paymentId)).toEqual(good.map((p) => p.id));
      });

      test("recordPayment: many concurrent payments with distinct keys are all recorded", async () => {
        const w = await newWorld(store);
        const payments = Array.from({ length: 300 }, (_, i) => outgoing(w, { amount: BigInt(i + 1) }));
        const results = await Promise.all(payments.map((p) => store.recordPayment(p)));
        expect(results.every((r) => r.created)).toBe(true);
        expect(await store.getPayments(payments.map((p) => p.id))).toEqual(payments);
      });

      test("recordIncomingPayments: each transfer is recorded once with a RECEIVED event, however often it is delivered", async () => {
        const w = await newWorld(store);
        const a = incoming(w, { amount: MAX_UINT256 });
        const b = incoming(w, { txHash: a.txHash, transferIndex: 1 });
        const events = await store.recordIncomingPayments([a, b]);
        expect(events.map((e) => [e.type, e.paymentId])).toEqual([
          ["RECEIVED", a.id],
          ["RECEIVED", b.id],
        ]);
        expect(events[0]?.payment).toEqual(a);
        expect(events[0]?.accountId).toBe(w.other.id);

        // The block is delivered again (a restart, a replayed watch), with one new transfer.
        const aAgain = { ...a, id: newId("pay") };
        const c = incoming(w);
        const again = await store.recordIncomingPayments([aAgain, c, { ...c, id: newId("pay") }]);
        expect(again.map((e) => e.paymentId)).toEqual([c.id]);
        expect(await store.getPayments([a.id, b.id, aAgain.id, c.id])).toEqual([a, b, null, c]);
        expect(await store.recordIncomingPayments([])).toEqual([]);
      });

      test("recordIncomingPayments: the same transfer seen by two tenants' accounts is one payment each", async () => {
        const w1 = await newWorld(store);
        const w2 = await newWorld(store);
        const txHash = hex(32);
        const events = await store.recordIncomingPayments([
          incoming(w1, { txHash, transferIndex: 0 }),
          incoming(w2, { txHash, transferIndex: 0 }),
        ]);
        expect(events.map((e) => e.tenantId)).toEqual([w1.tenant.id, w2.tenant.id]);
      });

      test("applyPaymentChanges: patches the payment, stamps updatedAt, and logs the payment as it became", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w);
        await store.recordPayment(payment);
        const submittedAt = new Date(payment.createdAt.getTime() + 1_000);
        const confirmedAt = new Date(payment.createdAt.getTime() + 5_000);
        const raw = bytes(120);

        const events = await store.applyPaymentChanges([
          {
            paymentId: payment.id,
            patch: {
              status: "SUBMITTED",
              txHash: "0xfeed",
              rawTransaction: raw,
              nonce: 7n,
              validUntilHeight: 99n,
            },
            eventType: "SUBMITTED",
            at: submittedAt,
          },
          {
            paymentId: payment.id,
            patch: {
              status: "CONFIRMED",
              blockHeight: BIG_HEIGHT,
              blockHash: "0xb10c",
              confirmations: 1,
              fee: 21n,
            },
            eventType: "CONFIRMED",
            at: confirmedAt,
          },
        ]);

        const expected: PaymentRecord = {
          ...payment,
          status: "CONFIRMED",
          txHash: "0xfeed",
          rawTransaction: raw,
          nonce: 7n,
          validUntilHeight: 99n,
          blockHeight: BIG_HEIGHT,
          blockHash: "0xb10c",
          confirmations: 1,
          fee: 21n,
          updatedAt: confirmedAt,
        };
        expect(await store.getPayments([payment.id])).toEqual([expected]);
        expect(events.map((e) => e.type)).toEqual(["SUBMITTED", "CONFIRMED"]);
        expect(events[0]?.payment).toMatchObject({
          status: "SUBMITTED",
          blockHeight: null,
          updatedAt: submittedAt,
        });
        expect(events[0]?.at).toEqual(submittedAt);
        expect(events[1]?.payment).toEqual(expected);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 10 })).toEqual([
          expect.objectContaining({ type: "CREATED" }),
          ...events,
        ]);
      });

      test("applyPaymentChanges: a null eventType changes the payment without logging; null clears, absent keeps", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w, {
          status: "CONFIRMED",
          txHash: "0x01",
          errorCode: "OLD",
          errorMessage: "old",
        });
        await store.recordPayment(payment);
        const at = new Date(payment.createdAt.getTime() + 10);

        const events = await store.applyPaymentChanges([
          {
            paymentId: payment.id,
            patch: { confirmations: 4, errorCode: null, errorMessage: undefined },
            eventType: null,
            at,
          },
        ]);

        expect(events).toEqual([]);
        expect(await store.getPayments([payment.id])).toEqual([
          { ...payment, confirmations: 4, errorCode: null, updatedAt: at },
        ]);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 10 })).toHaveLength(1);
      });

      test("applyPaymentChanges: a change to a missing payment fails the whole call and nothing changes", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w);
        await store.recordPayment(payment);
        await store.setChainProgress({ chainId: CHAIN, height: 5n, hash: "0x05" });
        const at = new Date();

        await expect(
          store.applyPaymentChanges(
            [
              { paymentId: payment.id, patch: { status: "FAILED", errorCode: "E" }, eventType: "FAILED", at },
              { paymentId: newId("pay"), patch: { status: "FAILED" }, eventType: "FAILED", at },
            ],
            { chainId: CHAIN, height: 6n, hash: "0x06" },
          ),
        ).rejects.toThrow();

        expect(await store.getPayments([payment.id])).toEqual([payment]);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 10 })).toHaveLength(1);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 5n,
          hash: "0x05",
          fence: 0n,
        });
      });

      test("onEventsCommitted: every committed event once, in cursor order; a failed write's events never", async () => {
        const w = await newWorld(store);
        const seen: bigint[] = [];
        const stop = store.onEventsCommitted((events) => seen.push(...events.map((event) => event.cursor)));
        const payments = Array.from({ length: 20 }, () => outgoing(w));
        // Concurrent writes (one commit for many), one of which fails and rolls back alone.
        const results = await Promise.allSettled([
          ...payments.map((payment) => store.recordPayment(payment)),
          store.applyPaymentChanges([
            {
              paymentId: payments[0]?.id ?? "",
              patch: { status: "SUBMITTED" },
              eventType: "SUBMITTED",
              at: new Date(),
            },
            { paymentId: newId("pay"), patch: { status: "FAILED" }, eventType: "FAILED", at: new Date() },
          ]),
        ]);
        expect(results.filter((result) => result.status === "rejected")).toHaveLength(1);
        const logged = (await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 })).map(
          (e) => e.cursor,
        );
        expect(seen).toEqual(logged);
        expect(logged).toHaveLength(20);
        stop();
        await store.recordPayment(outgoing(w));
        expect(seen).toHaveLength(20);
      });

      test("applyPaymentChanges: moves the chain's progress with the block's changes, or alone", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w, { status: "SUBMITTED", txHash: "0x01" });
        await store.recordPayment(payment);

        await store.applyPaymentChanges(
          [
            {
              paymentId: payment.id,
              patch: { status: "CONFIRMED", blockHeight: 8n },
              eventType: "CONFIRMED",
              at: new Date(),
            },
          ],
          { chainId: CHAIN, height: 8n, hash: "0x08" },
        );
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 8n,
          hash: "0x08",
          fence: 0n,
        });
        expect(await store.applyPaymentChanges([], { chainId: CHAIN, height: 9n, hash: "0x09" })).toEqual([]);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence: 0n,
        });
      });

      test("getPayments: in the order asked, repeats included, null for unknown ids", async () => {
        const w = await newWorld(store);
        const [p1, p2] = [outgoing(w), outgoing(w)];
        await store.recordPayment(p1);
        await store.recordPayment(p2);
        expect(await store.getPayments([p2.id, "pay_missing", p1.id, p2.id])).toEqual([p2, null, p1, p2]);
        expect(await store.getPayments([])).toEqual([]);
      });

      test("listPayments: newest first, paged, filtered by account, subnet, direction and status", async () => {
        const w = await newWorld(store);
        const other = await newWorld(store);
        const out1 = outgoing(w);
        const out2 = outgoing(w, { status: "FAILED" });
        const in1 = incoming(w);
        const secondSubnet = newSubnet(w.tenant.id);
        await store.createSubnet(secondSubnet);
        const elsewhere = newAccount(secondSubnet);
        await store.createAccount(elsewhere);
        const in2 = incoming(w, { subnetId: secondSubnet.id, accountId: elsewhere.id });
        await store.recordPayment(out1);
        await store.recordPayment(out2);
        await store.recordIncomingPayments([in1, in2]);
        await store.recordPayment(outgoing(other));

        const all = [in2, in1, out2, out1];
        const tenantId = w.tenant.id;
        const list = async (filter: Partial<Parameters<Store["listPayments"]>[0]>) =>
          (await store.listPayments({ tenantId, ...filter }, { first: 10 })).items;

        expect(await list({})).toEqual(all);
        expect(await list({ accountId: w.account.id })).toEqual([out2, out1]);
        expect(await list({ accountId: w.other.id })).toEqual([in1]);
        expect(await list({ subnetId: secondSubnet.id })).toEqual([in2]);
        expect(await list({ direction: "INCOMING" })).toEqual([in2, in1]);
        expect(await list({ status: "FAILED" })).toEqual([out2]);
        expect(await list({ direction: "OUTGOING", status: "PENDING", accountId: w.account.id })).toEqual([
          out1,
        ]);

        const page1 = await store.listPayments({ tenantId }, { first: 3 });
        expect(page1.items).toEqual(all.slice(0, 3));
        expect(page1.hasNextPage).toBe(true);
        const page2 = await store.listPayments({ tenantId }, { first: 3, after: page1.cursors[2] });
        expect(page2.items).toEqual(all.slice(3));
        expect(page2.hasNextPage).toBe(false);
      });

      test("findPaymentsByTxHash: the OUTGOING payments with those hashes on that chain", async () => {
        const w = await newWorld(store);
        const elsewhere = await newWorld(store, OTHER_CHAIN);
        const sent = outgoing(w, { status: "SUBMITTED", txHash: "0xaa" });
        const sentToo = outgoing(w, { status: "SUBMITTED", txHash: "0xbb" });
        await store.recordPayment(sent);
        await store.recordPayment(sentToo);
        await store.recordPayment(outgoing(elsewhere, { status: "SUBMITTED", txHash: "0xaa" }));
        // The receiving side of the same transaction is not an OUTGOING payment.
        await store.recordIncomingPayments([incoming(w, { txHash: "0xaa" })]);

        expect(sortedById(await store.findPaymentsByTxHash(CHAIN, ["0xaa", "0xbb", "0xcc"]))).toEqual([
          sent,
          sentToo,
        ]);
        expect(await store.findPaymentsByTxHash(CHAIN, [])).toEqual([]);
      });

      test("listOpenPayments: the chain's payments not FINALIZED or FAILED, oldest first", async () => {
        const w = await newWorld(store);
        const elsewhere = await newWorld(store, OTHER_CHAIN);
        const open = [
          outgoing(w, { status: "PENDING" }),
          outgoing(w, { status: "SUBMITTED", txHash: "0x1" }),
          incoming(w, { status: "CONFIRMED" }),
        ];
        for (const p of open) {
          if (p.direction === "OUTGOING") await store.recordPayment(p);
          else await store.recordIncomingPayments([p]);
        }
        await store.recordPayment(outgoing(w, { status: "FINALIZED" }));
        await store.recordPayment(outgoing(w, { status: "FAILED" }));
        await store.recordPayment(outgoing(elsewhere, { status: "PENDING" }));

        expect(await store.listOpenPayments(CHAIN)).toEqual(open);
        await store.applyPaymentChanges([
          {
            paymentId: open[0]?.id as string,
            patch: { status: "FAILED" },
            eventType: "FAILED",
            at: new Date(),
          },
        ]);
        expect((await store.listOpenPayments(CHAIN)).map((p) => p.id)).toEqual(
          open.slice(1).map((p) => p.id),
        );
      });
    });

    describe("event log", () => {
      test("readEvents: cursors strictly increase; `after` and `limit` page through them numerically", async () => {
        const w = await newWorld(store);
        // More than ten events: a cursor compared as text would put 10 before 9.
        const payments = Array.from({ length: 12 }, () => outgoing(w));
        for (const p of payments) await store.recordPayment(p);

        const events = await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 });
        expect(events.map((e) => e.paymentId)).toEqual(payments.map((p) => p.id));
        for (let i = 1; i < events.length; i++) {
          expect((events[i]?.cursor as bigint) > (events[i - 1]?.cursor as bigint)).toBe(true);
        }

        const ninth = events[8]?.cursor as bigint;
        const rest = await store.readEvents({ tenantId: w.tenant.id, after: ninth, limit: 100 });
        expect(rest).toEqual(events.slice(9));
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 4 })).toEqual(
          events.slice(0, 4),
        );
        const last = events.at(-1)?.cursor as bigint;
        expect(await store.readEvents({ tenantId: w.tenant.id, after: last, limit: 100 })).toEqual([]);
      });

      test("latestEventCursor: 0 for an empty log, then the newest event's cursor, whichever tenant wrote it", async () => {
        expect(await store.latestEventCursor()).toBe(0n);
        const w1 = await newWorld(store);
        const w2 = await newWorld(store);
        const first = await store.recordPayment(outgoing(w1));
        if (!first.created) throw new Error("expected a new payment");
        expect(await store.latestEventCursor()).toBe(first.event.cursor);
        const [received] = await store.recordIncomingPayments([incoming(w2)]);
        expect(await store.latestEventCursor()).toBe(received?.cursor);
        // Changes without an event leave it where it is.
        await store.applyPaymentChanges([
          { paymentId: first.payment.id, patch: { confirmations: 1 }, eventType: null, at: new Date() },
        ]);
        expect(await store.latestEventCursor()).toBe(received?.cursor);
        // What a live-only subscriber would read from there on: only what comes next.
        const after = await store.latestEventCursor();
        await store.recordPayment(outgoing(w1));
        expect(await store.readEvents({ tenantId: w1.tenant.id, after, limit: 10 })).toHaveLength(1);
      });

      test("readEvents: a tenant sees only its own events, narrowed by account or subnet", async () => {
        const w = await newWorld(store);
        const stranger = await newWorld(store);
        const secondSubnet = newSubnet(w.tenant.id);
        await store.createSubnet(secondSubnet);
        const elsewhere = newAccount(secondSubnet);
        await store.createAccount(elsewhere);

        const sent = outgoing(w);
        const received = incoming(w);
        const receivedElsewhere = incoming(w, { subnetId: secondSubnet.id, accountId: elsewhere.id });
        await store.recordPayment(sent);
        await store.recordIncomingPayments([received, receivedElsewhere]);
        await store.recordPayment(outgoing(stranger));
        await store.applyPaymentChanges([
          { paymentId: sent.id, patch: { status: "SUBMITTED" }, eventType: "SUBMITTED", at: new Date() },
        ]);

        const read = async (filter: { accountId?: string; subnetId?: string; tenantId?: string }) =>
          (await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100, ...filter })).map(
            (e) => `${e.type}:${e.paymentId}`,
          );
        expect(await read({})).toEqual([
          `CREATED:${sent.id}`,
          `RECEIVED:${received.id}`,
          `RECEIVED:${receivedElsewhere.id}`,
          `SUBMITTED:${sent.id}`,
        ]);
        expect(await read({ accountId: w.account.id })).toEqual([
          `CREATED:${sent.id}`,
          `SUBMITTED:${sent.id}`,
        ]);
        expect(await read({ accountId: elsewhere.id })).toEqual([`RECEIVED:${receivedElsewhere.id}`]);
        expect(await read({ subnetId: w.subnet.id })).toEqual([
          `CREATED:${sent.id}`,
          `RECEIVED:${received.id}`,
          `SUBMITTED:${sent.id}`,
        ]);
        // Another tenant's account id under this tenant finds nothing.
        expect(await read({ accountId: stranger.account.id })).toEqual([]);
        expect(await read({ tenantId: stranger.tenant.id })).toHaveLength(1);
      });
    });

    describe("chain progress", () => {
      test("setChainProgress: null before, then the latest height and hash per chain, past 2^53", async () => {
        expect(await store.getChainProgress(CHAIN)).toBeNull();
        await store.setChainProgress({ chainId: CHAIN, height: 1n, hash: "0x01" });
        await store.setChainProgress({ chainId: CHAIN, height: BIG_HEIGHT, hash: "0xff" });
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 0n, hash: "0x00" });
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: BIG_HEIGHT,
          hash: "0xff",
          fence: 0n,
        });
        expect(await store.getChainProgress(OTHER_CHAIN)).toEqual({
          chainId: OTHER_CHAIN,
          height: 0n,
          hash: "0x00",
          fence: 0n,
        });
      });

      test("setChainProgress: an equal or higher fence is kept; a lower one is refused with StaleFenceError and changes nothing", async () => {
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 1n, hash: "0x01", fence: 5n });
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 2n, hash: "0x02", fence: 5n });
        const kept: ChainProgress = { chainId: OTHER_CHAIN, height: 3n, hash: "0x03", fence: 7n };
        await store.setChainProgress(kept);
        expect(await store.getChainProgress(OTHER_CHAIN)).toEqual(kept);

        // A higher height does not help: the fence alone decides.
        const error = await refusal(
          store.setChainProgress({ chainId: OTHER_CHAIN, height: 4n, hash: "0x04", fence: 5n }),
        );
        // The class itself, not a clone of it: the SQLite store's writes cross a thread boundary.
        expect(error).toBeInstanceOf(StaleFenceError);
        expect(isStaleFenceError(error)).toBe(true);
        expect(error).toMatchObject({
          name: "StaleFenceError",
          code: "STALE_FENCE",
          chainId: OTHER_CHAIN,
          fence: 5n,
          storedFence: 7n,
          message: `another replica took over watching ${OTHER_CHAIN} (fence 7 > 5)`,
        });
        expect(await store.getChainProgress(OTHER_CHAIN)).toEqual(kept);
        // Each chain has its own fence.
        await store.setChainProgress({ chainId: CHAIN, height: 1n, hash: "0x01", fence: 1n });
        expect(await store.getChainProgress(CHAIN)).toMatchObject({ height: 1n, fence: 1n });
      });

      test("setChainProgress: fences compare exactly past 2^53", async () => {
        // 2^53 + 1 and 2^53 are the same JS number: compared as numbers, the stale write would pass.
        const kept: ChainProgress = { chainId: CHAIN, height: 1n, hash: "0x01", fence: 2n ** 53n + 1n };
        await store.setChainProgress(kept);
        expect(
          await refusal(
            store.setChainProgress({ chainId: CHAIN, height: 2n, hash: "0x02", fence: 2n ** 53n }),
          ),
        ).toBeInstanceOf(StaleFenceError);
        expect(await store.getChainProgress(CHAIN)).toEqual(kept);
      });

      test("setChainProgress: no fence writes as fence 0, accepted until a fenced tracker has written", async () => {
        await store.setChainProgress({ chainId: CHAIN, height: 1n, hash: "0x01" });
        await store.setChainProgress({ chainId: CHAIN, height: 2n, hash: "0x02" });
        await store.setChainProgress({ chainId: CHAIN, height: 3n, hash: "0x03", fence: 0n });
        await store.applyPaymentChanges([], { chainId: CHAIN, height: 4n, hash: "0x04" });
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 4n,
          hash: "0x04",
          fence: 0n,
        });

        await store.setChainProgress({ chainId: CHAIN, height: 5n, hash: "0x05", fence: 1n });
        expect(
          await refusal(store.setChainProgress({ chainId: CHAIN, height: 6n, hash: "0x06" })),
        ).toMatchObject({ fence: 0n, storedFence: 1n });
        expect(
          await refusal(store.applyPaymentChanges([], { chainId: CHAIN, height: 6n, hash: "0x06" })),
        ).toBeInstanceOf(StaleFenceError);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 5n,
          hash: "0x05",
          fence: 1n,
        });
      });

      test("applyPaymentChanges: a stale fence refuses the whole block: no change, no event, no progress, nothing announced", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w, { status: "SUBMITTED", txHash: "0x01" });
        await store.recordPayment(payment);
        const kept: ChainProgress = { chainId: CHAIN, height: 8n, hash: "0x08", fence: 3n };
        await store.setChainProgress(kept);
        const logBefore = await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 });
        const announced: PaymentEventRecord[] = [];
        const stop = store.onEventsCommitted((events) => announced.push(...events));
        const confirm: PaymentChange = {
          paymentId: payment.id,
          patch: { status: "CONFIRMED", blockHeight: 9n, confirmations: 1 },
          eventType: "CONFIRMED",
          at: new Date(),
        };

        const error = await refusal(
          store.applyPaymentChanges([confirm], { chainId: CHAIN, height: 9n, hash: "0x09", fence: 2n }),
        );
        expect(error).toBeInstanceOf(StaleFenceError);
        expect(error).toMatchObject({ chainId: CHAIN, fence: 2n, storedFence: 3n });
        expect(await store.getPayments([payment.id])).toEqual([payment]);
        expect(await store.readEvents({ tenantId: w.tenant.id, after: 0n, limit: 100 })).toEqual(logBefore);
        expect(await store.getChainProgress(CHAIN)).toEqual(kept);
        expect(await store.latestEventCursor()).toBe(logBefore.at(-1)?.cursor);
        expect(announced).toEqual([]);

        // The lease holder's same block goes through and is announced: the listener was listening.
        const applied = await store.applyPaymentChanges([confirm], {
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence: 3n,
        });
        expect(applied.map((event) => event.type)).toEqual(["CONFIRMED"]);
        expect(announced).toEqual(applied);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence: 3n,
        });
        stop();
      });

      test("a refused progress write in the same commit as other writes is rolled back alone", async () => {
        const w = await newWorld(store);
        const [p1, p2] = [
          outgoing(w, { status: "SUBMITTED", txHash: "0x01" }),
          outgoing(w, { status: "SUBMITTED", txHash: "0x02" }),
        ];
        await store.recordPayment(p1);
        await store.recordPayment(p2);
        await store.setChainProgress({ chainId: CHAIN, height: 8n, hash: "0x08", fence: 3n });
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 1n, hash: "0x01", fence: 1n });
        const after = await store.latestEventCursor();
        const announced: PaymentEventRecord[] = [];
        const stop = store.onEventsCommitted((events) => announced.push(...events));
        const at = new Date();
        const confirm = (p: PaymentRecord): PaymentChange => ({
          paymentId: p.id,
          patch: { status: "CONFIRMED" },
          eventType: "CONFIRMED",
          at,
        });
        const p3 = outgoing(w);

        // Issued together, not awaited one by one: they share a commit, each in a savepoint of its own.
        const [stale, fresh, recorded, otherChain, outFenced] = await Promise.allSettled([
          store.applyPaymentChanges([confirm(p1)], {
            chainId: CHAIN,
            height: 9n,
            hash: "0xstale",
            fence: 2n,
          }),
          store.applyPaymentChanges([confirm(p2)], { chainId: CHAIN, height: 9n, hash: "0x09", fence: 4n }),
          store.recordPayment(p3),
          store.setChainProgress({ chainId: OTHER_CHAIN, height: 2n, hash: "0x02", fence: 1n }),
          // Out-fenced by the write two lines up, in the same commit.
          store.setChainProgress({ chainId: CHAIN, height: 10n, hash: "0x10", fence: 3n }),
        ]);

        expect(stale.status === "rejected" && isStaleFenceError(stale.reason)).toBe(true);
        expect(outFenced.status === "rejected" && outFenced.reason).toMatchObject({
          fence: 3n,
          storedFence: 4n,
        });
        expect([fresh.status, recorded.status, otherChain.status]).toEqual([
          "fulfilled",
          "fulfilled",
          "fulfilled",
        ]);
        expect(await store.getPayments([p1.id, p2.id, p3.id])).toEqual([
          p1,
          { ...p2, status: "CONFIRMED", updatedAt: at },
          p3,
        ]);
        const logged = await store.readEvents({ tenantId: w.tenant.id, after, limit: 100 });
        expect(logged.map((event) => `${event.type}:${event.paymentId}`)).toEqual([
          `CONFIRMED:${p2.id}`,
          `CREATED:${p3.id}`,
        ]);
        expect(announced).toEqual(logged);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence: 4n,
        });
        expect(await store.getChainProgress(OTHER_CHAIN)).toEqual({
          chainId: OTHER_CHAIN,
          height: 2n,
          hash: "0x02",
          fence: 1n,
        });
        stop();
      });

      test("claimChainProgress: on a chain's first start it writes nothing: the fence is atLeast, progress null", async () => {
        expect(await store.claimChainProgress(CHAIN, 5n)).toEqual({ fence: 5n, progress: null });
        expect(await store.getChainProgress(CHAIN)).toBeNull();
        // Nothing stored, so nothing to raise: a second claim gets the same answer.
        expect(await store.claimChainProgress(CHAIN, 5n)).toEqual({ fence: 5n, progress: null });
        expect(await store.getChainProgress(CHAIN)).toBeNull();

        // The first progress write records the claimed fence.
        await store.setChainProgress({ chainId: CHAIN, height: 1n, hash: "0x01", fence: 5n });
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 1n,
          hash: "0x01",
          fence: 5n,
        });
      });

      test("claimChainProgress: raises the stored fence to stored + 1, or to atLeast when higher, and returns the progress with it", async () => {
        await store.setChainProgress({ chainId: CHAIN, height: 8n, hash: "0x08", fence: 3n });
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 2n, hash: "0x02", fence: 3n });

        // A token below the stored one (Redis lost its counter): stored + 1, never back.
        const raised = await store.claimChainProgress(CHAIN, 1n);
        expect(raised).toEqual({
          fence: 4n,
          progress: { chainId: CHAIN, height: 8n, hash: "0x08", fence: 4n },
        });
        expect(await store.getChainProgress(CHAIN)).toEqual(raised.progress);
        // Equal to stored + 1, then above it: atLeast.
        expect((await store.claimChainProgress(CHAIN, 5n)).fence).toBe(5n);
        expect(await store.claimChainProgress(CHAIN, 40n)).toEqual({
          fence: 40n,
          progress: { chainId: CHAIN, height: 8n, hash: "0x08", fence: 40n },
        });
        expect(await store.getChainProgress(CHAIN)).toMatchObject({ height: 8n, hash: "0x08", fence: 40n });
        // Each chain has its own fence.
        expect(await store.getChainProgress(OTHER_CHAIN)).toMatchObject({ fence: 3n });

        // Exact past 2^53, where stored + 1 as a JS number would be the stored fence again.
        await store.setChainProgress({ chainId: OTHER_CHAIN, height: 3n, hash: "0x03", fence: 2n ** 53n });
        expect((await store.claimChainProgress(OTHER_CHAIN, 0n)).fence).toBe(2n ** 53n + 1n);
        expect(await store.getChainProgress(OTHER_CHAIN)).toMatchObject({ fence: 2n ** 53n + 1n });
      });

      test("claimChainProgress: after a claim the previous fence is refused and the claimed one writes", async () => {
        const w = await newWorld(store);
        const payment = outgoing(w, { status: "SUBMITTED", txHash: "0x01" });
        await store.recordPayment(payment);
        await store.setChainProgress({ chainId: CHAIN, height: 8n, hash: "0x08", fence: 3n });
        const { fence } = await store.claimChainProgress(CHAIN, 0n);
        const confirm: PaymentChange = {
          paymentId: payment.id,
          patch: { status: "CONFIRMED", blockHeight: 9n, confirmations: 1 },
          eventType: "CONFIRMED",
          at: new Date(),
        };

        expect(
          await refusal(store.setChainProgress({ chainId: CHAIN, height: 9n, hash: "0x09", fence: 3n })),
        ).toMatchObject({ name: "StaleFenceError", chainId: CHAIN, fence: 3n, storedFence: fence });
        const refused = await refusal(
          store.applyPaymentChanges([confirm], { chainId: CHAIN, height: 9n, hash: "0x09", fence: 3n }),
        );
        expect(refused).toBeInstanceOf(StaleFenceError);
        expect(refused).toMatchObject({ fence: 3n, storedFence: fence });
        expect(await store.getPayments([payment.id])).toEqual([payment]);

        const applied = await store.applyPaymentChanges([confirm], {
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence,
        });
        expect(applied.map((event) => event.type)).toEqual(["CONFIRMED"]);
        await store.setChainProgress({ chainId: CHAIN, height: 10n, hash: "0x0a", fence });
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 10n,
          hash: "0x0a",
          fence,
        });
      });

      test("claimChainProgress: successive claims give strictly increasing fences; only the latest claimer writes", async () => {
        // Two trackers that both believe they lead, each with the same token from a reset counter.
        const first = await store.claimChainProgress(CHAIN, 1n);
        await store.setChainProgress({ chainId: CHAIN, height: 1n, hash: "0x01", fence: first.fence });
        const second = await store.claimChainProgress(CHAIN, 1n);
        expect(second.fence > first.fence).toBe(true);
        expect(second.progress).toEqual({ chainId: CHAIN, height: 1n, hash: "0x01", fence: second.fence });

        expect(
          await refusal(
            store.setChainProgress({ chainId: CHAIN, height: 2n, hash: "0x02", fence: first.fence }),
          ),
        ).toBeInstanceOf(StaleFenceError);
        expect(
          await refusal(
            store.applyPaymentChanges([], { chainId: CHAIN, height: 2n, hash: "0x02", fence: first.fence }),
          ),
        ).toBeInstanceOf(StaleFenceError);
        await store.setChainProgress({ chainId: CHAIN, height: 2n, hash: "0x02", fence: second.fence });

        const third = await store.claimChainProgress(CHAIN, 1n);
        expect(third.fence > second.fence).toBe(true);
        expect(third.progress).toMatchObject({ height: 2n, fence: third.fence });
        expect(
          await refusal(
            store.setChainProgress({ chainId: CHAIN, height: 3n, hash: "0x03", fence: second.fence }),
          ),
        ).toBeInstanceOf(StaleFenceError);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 2n,
          hash: "0x02",
          fence: third.fence,
        });
      });

      test("claimChainProgress in one commit with progress writes: one issued before it commits, one issued after it is refused", async () => {
        const w = await newWorld(store);
        const [p1, p2] = [
          outgoing(w, { status: "SUBMITTED", txHash: "0x01" }),
          outgoing(w, { status: "SUBMITTED", txHash: "0x02" }),
        ];
        await store.recordPayment(p1);
        await store.recordPayment(p2);
        await store.setChainProgress({ chainId: CHAIN, height: 8n, hash: "0x08", fence: 3n });
        const at = new Date();
        const confirm = (p: PaymentRecord): PaymentChange => ({
          paymentId: p.id,
          patch: { status: "CONFIRMED" },
          eventType: "CONFIRMED",
          at,
        });

        // Issued together, not awaited one by one: the old leader's blocks on either side of the claim.
        const [before, claim, after] = await Promise.allSettled([
          store.applyPaymentChanges([confirm(p1)], { chainId: CHAIN, height: 9n, hash: "0x09", fence: 3n }),
          store.claimChainProgress(CHAIN, 0n),
          store.applyPaymentChanges([confirm(p2)], { chainId: CHAIN, height: 10n, hash: "0x0a", fence: 3n }),
        ]);

        expect(before.status).toBe("fulfilled");
        // The claim saw the block committed before it, and raised the fence that wrote it.
        expect(claim.status === "fulfilled" && claim.value).toEqual({
          fence: 4n,
          progress: { chainId: CHAIN, height: 9n, hash: "0x09", fence: 4n },
        });
        expect(after.status === "rejected" && after.reason).toMatchObject({ fence: 3n, storedFence: 4n });
        expect(await store.getPayments([p1.id, p2.id])).toEqual([
          { ...p1, status: "CONFIRMED", updatedAt: at },
          p2,
        ]);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 9n,
          hash: "0x09",
          fence: 4n,
        });
      });
    });

    describe("durability", () => {
      test("reopen: everything written is there after closing and reopening, and the log continues", async (ctx) => {
        if (handle.reopen === undefined) ctx.skip();
        const { tenant, apiKey } = newTenant();
        await store.createTenant(tenant, apiKey);
        const key = newVaultKey();
        await store.putVaultKey(key);
        await store.setOwnerKeyId(tenant.id, CHAIN, key.id);
        const subnet = newSubnet(tenant.id);
        await store.createSubnet(subnet);
        const account = newAccount(subnet, key.id);
        const other = newAccount(subnet);
        await store.createAccount(account);
        await store.createAccount(other);
        const w: World = { tenant, subnet, account, other };
        const sent = outgoing(w, { amount: MAX_UINT256 });
        const received = incoming(w);
        // Issued together and not awaited one by one: every write that resolved must survive.
        const change: PaymentChange = {
          paymentId: sent.id,
          patch: { status: "SUBMITTED", txHash: "0x5e", rawTransaction: bytes(64), nonce: BIG_HEIGHT },
          eventType: "SUBMITTED",
          at: new Date(),
        };
        await Promise.all([store.recordPayment(sent), store.recordIncomingPayments([received])]);
        await store.applyPaymentChanges([change], { chainId: CHAIN, height: 12n, hash: "0x0c", fence: 2n });
        const before = {
          payments: await store.getPayments([sent.id, received.id]),
          events: await store.readEvents({ tenantId: tenant.id, after: 0n, limit: 100 }),
        };

        store = await (handle.reopen as () => Promise<Store>)();

        expect(await store.getTenants([tenant.id])).toEqual([tenant]);
        expect(await store.findApiKeyBySecretHash(apiKey.secretHash)).toEqual(apiKey);
        expect(await store.getVaultKey(key.id)).toEqual(key);
        expect(await store.getOwnerKeyId(tenant.id, CHAIN)).toBe(key.id);
        expect(await store.getSubnets([subnet.id])).toEqual([subnet]);
        expect(await store.getAccounts([account.id, other.id])).toEqual([account, other]);
        expect(await store.getPayments([sent.id, received.id])).toEqual(before.payments);
        expect(await store.readEvents({ tenantId: tenant.id, after: 0n, limit: 100 })).toEqual(before.events);
        expect(await store.getChainProgress(CHAIN)).toEqual({
          chainId: CHAIN,
          height: 12n,
          hash: "0x0c",
          fence: 2n,
        });
        // The fence survives too: a writer with a lower one is still refused after the restart.
        await expect(
          store.setChainProgress({ chainId: CHAIN, height: 13n, hash: "0x0d", fence: 1n }),
        ).rejects.toSatisfy(isStaleFenceError);
        expect(await store.latestEventCursor()).toBe(before.events.at(-1)?.cursor);

        // Idempotency and dedupe hold across the restart; new cursors follow the old ones.
        expect(await store.recordPayment({ ...sent, id: newId("pay") })).toMatchObject({ created: false });
        expect(await store.recordIncomingPayments([{ ...received, id: newId("pay") }])).toEqual([]);
        const next = await store.recordPayment(outgoing(w));
        expect(next.created).toBe(true);
        if (next.created) expect(next.event.cursor > (before.events.at(-1)?.cursor as bigint)).toBe(true);
      });

      test("reopen: a claimed fence survives; the earlier claimer is still refused and the next claim goes higher", async (ctx) => {
        if (handle.reopen === undefined) ctx.skip();
        await store.setChainProgress({ chainId: CHAIN, height: 5n, hash: "0x05", fence: 2n });
        const claimed = await store.claimChainProgress(CHAIN, 0n);
        expect(claimed.fence).toBe(3n);

        store = await (handle.reopen as () => Promise<Store>)();

        expect(await store.getChainProgress(CHAIN)).toEqual(claimed.progress);
        await expect(
          store.setChainProgress({ chainId: CHAIN, height: 6n, hash: "0x06", fence: 2n }),
        ).rejects.toSatisfy(isStaleFenceError);
        expect((await store.claimChainProgress(CHAIN, 1n)).fence).toBe(4n);
      });
    });
  });
}
