import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { newId } from "../../ids.ts";
import { newOutgoingPayment } from "../../modules/payment/newOutgoingPayment.ts";
import { StaleFenceError } from "../staleFenceError.ts";
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

    /** A connection of its own, as another process's tracker would have, closed after the test. */
    async function otherProcess(): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      cleanup.push(() => client.end());
      return client;
    }

    /**
     * Resolves once some backend is waiting for a lock `holder` has. Polls the server's own view
     * rather than sleeping, so the test does not depend on timing.
     */
    async function blockedBy(holder: pg.Client): Promise<void> {
      const { rows } = await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const pid = rows[0]?.pid;
      const watcher = await otherProcess();
      // A bound on polls, not on time: a statement that never waits fails the test instead of hanging it.
      for (let poll = 0; poll < 3_000; poll++) {
        const blocked = await watcher.query(
          "SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))",
          [pid],
        );
        if (blocked.rowCount !== null && blocked.rowCount > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error("nothing ever waited for the lock the other process holds");
    }

    test("claimChainProgress waits for a progress write in flight in another process and raises the fence that write committed", async () => {
      const { schema, drop } = await freshSchema();
      cleanup.push(drop);
      const store = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => store.close());
      await store.setChainProgress({ chainId: "refchain:local", height: 8n, hash: "0x08", fence: 3n });

      // The old leader, mid-block: its progress write (with a fence a reset counter would hand out
      // afresh) holds the row until it commits.
      const oldLeader = await otherProcess();
      await oldLeader.query("BEGIN");
      await oldLeader.query(
        `UPDATE ${schema}.chain_progress SET height = 9, hash = '0x09', fence = 5 WHERE chain_id = 'refchain:local'`,
      );
      const claim = store.claimChainProgress("refchain:local", 1n);
      await blockedBy(oldLeader);
      await oldLeader.query("COMMIT");

      // Computed from the committed row, not from the one the claim first found.
      expect(await claim).toEqual({
        fence: 6n,
        progress: { chainId: "refchain:local", height: 9n, hash: "0x09", fence: 6n },
      });
      expect(await store.getChainProgress("refchain:local")).toEqual((await claim).progress);
    });

    test("a progress write waiting for a claim in another process is refused once the claim commits, and keeps nothing", async () => {
      const { schema, drop } = await freshSchema();
      cleanup.push(drop);
      const a = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => a.close());
      const b = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => b.close());
      await a.setChainProgress({ chainId: "refchain:local", height: 8n, hash: "0x08", fence: 3n });

      // The new leader's claim (the statement claimChainProgress runs), held open before its commit.
      const newLeader = await otherProcess();
      await newLeader.query("BEGIN");
      await newLeader.query(
        `UPDATE ${schema}.chain_progress SET fence = GREATEST(fence + 1, 1) WHERE chain_id = 'refchain:local'`,
      );
      const write = b.applyPaymentChanges([], {
        chainId: "refchain:local",
        height: 9n,
        hash: "0x09",
        fence: 3n,
      });
      await blockedBy(newLeader);
      await newLeader.query("COMMIT");

      const refused = await write.then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StaleFenceError);
      expect(refused).toMatchObject({ fence: 3n, storedFence: 4n });
      expect(await a.getChainProgress("refchain:local")).toEqual({
        chainId: "refchain:local",
        height: 8n,
        hash: "0x08",
        fence: 4n,
      });
    });

    test("claims and progress writes racing through two pools: every write either committed before a claim or was refused", async () => {
      const { schema, drop } = await freshSchema();
      cleanup.push(drop);
      const a = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => a.close());
      const b = await openPostgresStore({ connectionString: DATABASE_URL, schema });
      cleanup.push(() => b.close());
      const chainId = "refchain:local";
      await a.setChainProgress({ chainId, height: 0n, hash: "0x00", fence: 1n });

      let fence = 1n;
      for (let round = 1n; round <= 20n; round++) {
        // The old leader writes its next block while the new one claims, each through its own pool.
        const [write, claim] = await Promise.allSettled([
          a.applyPaymentChanges([], { chainId, height: round, hash: `0x${round}`, fence }),
          b.claimChainProgress(chainId, 0n),
        ]);
        if (claim.status === "rejected") throw claim.reason;
        const claimed = claim.value;
        expect(claimed.fence).toBe(fence + 1n);
        if (write.status === "fulfilled") {
          // Committed first: the claim saw it.
          expect(claimed.progress).toMatchObject({ height: round, fence: claimed.fence });
        } else {
          // Refused: the claim came first, and the progress is the previous block's.
          expect(write.reason).toBeInstanceOf(StaleFenceError);
          expect(claimed.progress).toMatchObject({ height: round - 1n });
          await a.setChainProgress({ chainId, height: round, hash: `0x${round}`, fence: claimed.fence });
        }
        expect(await a.getChainProgress(chainId)).toMatchObject({ height: round, fence: claimed.fence });
        fence = claimed.fence;
      }
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
