import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { newId } from "../ids.ts";
import { withImmutableRecordCache } from "./cachedStore.ts";
import { openSqliteStore } from "./sqlite/openSqliteStore.ts";
import type { AccountRecord, Store, SubnetRecord, TenantRecord } from "./store.ts";
import { storeSuite } from "./storeSuite.ts";

// The cached store is a Store: the shared suite runs against it, on a real SQLite file.
storeSuite("withImmutableRecordCache(SqliteStore)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vg-cached-store-"));
  const path = join(dir, "gateway.db");
  let store = withImmutableRecordCache(await openSqliteStore({ path }));
  return {
    store,
    async reopen() {
      await store.close();
      store = withImmutableRecordCache(await openSqliteStore({ path }));
      return store;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** `store` with every method call recorded: an instrument on the real store, not a stand-in for it. */
function counting(store: Store): { store: Store; calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const counted = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return value.apply(target, args);
      };
    },
  });
  return { store: counted, calls };
}

const tenantRecord = (): TenantRecord => ({ id: newId("ten"), name: "Acme", createdAt: new Date() });
const subnetRecord = (tenantId: string): SubnetRecord => ({
  id: newId("sub"),
  tenantId,
  name: "main",
  chainId: "refchain:local",
  asset: {
    id: "refchain:local/native",
    chainId: "refchain:local",
    kind: "NATIVE",
    symbol: "REF",
    decimals: 9,
    address: null,
  },
  createdAt: new Date(),
});
const accountRecord = (subnet: SubnetRecord): AccountRecord => ({
  id: newId("acc"),
  tenantId: subnet.tenantId,
  subnetId: subnet.id,
  chainId: subnet.chainId,
  address: `ref1${randomBytes(16).toString("hex")}`,
  label: null,
  custody: "EXTERNAL",
  keyId: null,
  createdAt: new Date(),
});

describe("withImmutableRecordCache", () => {
  let dir: string;
  let underlying: Store;
  let calls: { method: string; args: unknown[] }[];
  let tenant: TenantRecord;
  let subnet: SubnetRecord;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vg-cached-store-"));
    ({ store: underlying, calls } = counting(await openSqliteStore({ path: join(dir, "gateway.db") })));
    // Made directly in the underlying store, as another replica would: the cache has not seen them.
    tenant = tenantRecord();
    await underlying.createTenant(tenant, {
      id: newId("key"),
      tenantId: tenant.id,
      label: "first",
      secretHash: randomBytes(32).toString("hex"),
      createdAt: tenant.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    subnet = subnetRecord(tenant.id);
    await underlying.createSubnet(subnet);
    calls.length = 0;
  });

  afterEach(async () => {
    await underlying.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reads = (method: string) =>
    calls.filter((call) => call.method === method).map((call) => call.args[0]);

  test("a record read once is served from memory after that", async () => {
    const store = withImmutableRecordCache(underlying);
    expect(await store.getTenants([tenant.id])).toEqual([tenant]);
    expect(await store.getSubnets([subnet.id])).toEqual([subnet]);
    expect(await store.getTenants([tenant.id])).toEqual([tenant]);
    expect(await store.getSubnets([subnet.id])).toEqual([subnet]);
    expect(reads("getTenants")).toEqual([[tenant.id]]);
    expect(reads("getSubnets")).toEqual([[subnet.id]]);
  });

  test("records created through it are served without a read, and the creator's object stays its own", async () => {
    const store = withImmutableRecordCache(underlying);
    const created = subnetRecord(tenant.id);
    await store.createSubnet(created);
    const account = accountRecord(created);
    await store.createAccount(account);

    expect(await store.getSubnets([created.id])).toEqual([created]);
    expect(await store.getAccounts([account.id])).toEqual([account]);
    expect(reads("getSubnets")).toEqual([]);
    expect(reads("getAccounts")).toEqual([]);

    // The service that made the record may still change its object; the cached one is a frozen copy.
    created.asset.symbol = "CHANGED";
    const [cached] = await store.getSubnets([created.id]);
    expect(cached?.asset.symbol).toBe("REF");
    expect(Object.isFrozen(cached)).toBe(true);
    expect(() => {
      (cached as SubnetRecord).name = "other";
    }).toThrow(TypeError);
  });

  test("a create the underlying store refuses caches nothing", async () => {
    const store = withImmutableRecordCache(underlying);
    const clash = { ...subnetRecord(tenant.id), id: subnet.id, name: "clash" };
    await expect(store.createSubnet(clash)).rejects.toThrow();
    expect(await store.getSubnets([subnet.id])).toEqual([subnet]);
  });

  test("misses are read in one call, each id once; order, duplicates and nulls are kept", async () => {
    const store = withImmutableRecordCache(underlying);
    const accounts = [accountRecord(subnet), accountRecord(subnet), accountRecord(subnet)];
    for (const account of accounts) await underlying.createAccount(account);
    const [a, b, c] = accounts.map((account) => account.id) as [string, string, string];
    const unknown = newId("acc");
    await store.getAccounts([a]);
    calls.length = 0;

    const ids = [b, unknown, a, c, b, unknown];
    const got = await store.getAccounts(ids);

    expect(got).toEqual(await underlying.getAccounts(ids));
    expect(got.map((account) => account?.id ?? null)).toEqual([b, null, a, c, b, null]);
    expect(reads("getAccounts")[0]).toEqual([b, unknown, c]);
  });

  test("a null is not cached: a record created elsewhere afterwards becomes visible", async () => {
    const store = withImmutableRecordCache(underlying);
    const account = accountRecord(subnet);
    expect(await store.getAccounts([account.id])).toEqual([null]);

    await underlying.createAccount(account);

    expect(await store.getAccounts([account.id])).toEqual([account]);
    expect(reads("getAccounts")).toEqual([[account.id], [account.id]]);
  });

  test("holds at most maxEntries of a kind, dropping the least recently used", async () => {
    const store = withImmutableRecordCache(underlying, { maxEntries: 2 });
    const accounts = [accountRecord(subnet), accountRecord(subnet), accountRecord(subnet)];
    for (const account of accounts) await underlying.createAccount(account);
    const [a, b, c] = accounts.map((account) => account.id) as [string, string, string];

    await store.getAccounts([a]);
    await store.getAccounts([b]);
    await store.getAccounts([a]); // a is now the most recently used
    await store.getAccounts([c]); // pushes b out
    calls.length = 0;

    expect(await store.getAccounts([a, c])).toEqual([accounts[0], accounts[2]]);
    expect(reads("getAccounts")).toEqual([]);
    expect(await store.getAccounts([b])).toEqual([accounts[1]]);
    expect(reads("getAccounts")).toEqual([[b]]);
  });

  test("everything else reaches the underlying store every time", async () => {
    const store = withImmutableRecordCache(underlying);
    await store.listSubnets(tenant.id, { first: 10 });
    await store.listSubnets(tenant.id, { first: 10 });
    await store.getPayments([newId("pay")]);
    await store.getPayments([newId("pay")]);
    expect(calls.map((call) => call.method)).toEqual([
      "listSubnets",
      "listSubnets",
      "getPayments",
      "getPayments",
    ]);
  });
});
