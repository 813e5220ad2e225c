import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { newId } from "../../ids.ts";
import { newOutgoingPayment } from "../../modules/payment/newOutgoingPayment.ts";
import type { PaymentRecord, Store } from "../store.ts";
import { storeSuite } from "../storeSuite.ts";
import { openPostgresStore } from "./openPostgresStore.ts";

// The shared Store suite on a real PostgreSQL server, each test in a schema of its own (created
// fresh, dropped after); reopen closes the pool and opens the same schema again, as a restart would.

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function unreachableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `PostgreSQL unreachable at ${DATABASE_URL} (${(error as Error).message}): start it or set DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await unreachableReason();

/** Runs one statement on a connection of its own (schema creation and removal). */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, empty schema, and how to drop it. */
async function freshSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE SCHEMA ${schema}`);
  return { schema, drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}

if (unreachable !== null) {
  if (process.env.REQUIRE_SERVICES === "1") {
    test("PostgreSQL is reachable (REQUIRE_SERVICES=1)", () => {
      throw new Error(unreachable);
    });
  } else {
    console.log(`postgresStore.test.ts skipped: ${unreachable}`);
    test.skip(`PostgresStore (${unreachable})`, () => {});
  }
} else {
  storeSuite("PostgresStore", async () => {
    const { schema, drop } = await freshSchema();
    const open = () => openPostgresStore({ connectionString: DATABASE_URL, schema });
    let store: Store = await open();
    return {
      store,
      async reopen() {
        await store.close();
        store = await open();
        return store;
      },
      async close() {
        await store.close();
        await drop();
      },
    };
  });

  describe("PostgresStore across processes", () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    test("recordPayment: 50 concurrent calls with one key through two pools create exactly one payment", async () => {
      const { schema, drop } = await freshSchema();
      cleanup.push(drop);
      // Two store instances: two pools, as two gateway processes on one database would have.
      const a = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => a.close());
      const b = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => b.close());

      const tenant = { id: newId("ten"), name: "Acme", createdAt: new Date() };
      await a.createTenant(tenant, {
        id: newId("key"),
        tenantId: tenant.id,
        label: "first",
        secretHash: randomBytes(32).toString("hex"),
        createdAt: tenant.createdAt,
        lastUsedAt: null,
        revokedAt: null,
      });
      const asset = {
        id: "refchain:local/native",
        chainId: "refchain:local",
        kind: "NATIVE" as const,
        symbol: "REF",
        decimals: 9,
        address: null,
      };
      const subnet = {
        id: newId("sub"),
        tenantId: tenant.id,
        name: "main",
        chainId: asset.chainId,
        asset,
        createdAt: new Date(),
      };
      await a.createSubnet(subnet);
      const account = {
        id: newId("acc"),
        tenantId: tenant.id,
        subnetId: subnet.id,
        chainId: subnet.chainId,
        address: `ref1${randomBytes(16).toString("hex")}`,
        label: null,
        custody: "EXTERNAL" as const,
        keyId: null,
        createdAt: new Date(),
      };
      await a.createAccount(account);

      const key = `idem-${randomBytes(8).toString("hex")}`;
      const attempts: PaymentRecord[] = Array.from({ length: 50 }, (_, i) =>
        newOutgoingPayment({
          from: account,
          asset,
          amount: BigInt(i + 1),
          toAddress: `ref1${randomBytes(16).toString("hex")}`,
          toAccountId: null,
          idempotencyKey: key,
          inputHash: randomBytes(32).toString("hex"),
        }),
      );
      const results = await Promise.all(attempts.map((p, i) => (i % 2 === 0 ? a : b).recordPayment(p)));

      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const winner = created[0]?.payment as PaymentRecord;
      for (const r of results) expect(r.payment).toEqual(winner);
      for (const store of [a, b]) {
        expect((await store.listPayments({ tenantId: tenant.id }, { first: 100 })).items).toEqual([winner]);
        expect(await store.readEvents({ tenantId: tenant.id, after: 0n, limit: 100 })).toHaveLength(1);
      }
    });
  });
}
