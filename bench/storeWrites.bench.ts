// Durable payment writes per second through the SQLite store, against a baseline measured in the
// same run on the same file: (a) one writer at a time, so every recordPayment is its own transaction
// and its own fsync; (b) many concurrent writers, whose writes group commit shares one transaction
// per event-loop turn. The ratio (b)/(a) is what group commit buys on this disk.
//
//   node --import tsx bench/storeWrites.bench.ts
//   BENCH_WRITES=50000 BENCH_CONCURRENCY=512 BENCH_DIR=/var/tmp node --import tsx bench/storeWrites.bench.ts
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { newId } from "../src/ids.ts";
import { newOutgoingPayment } from "../src/modules/payment/newOutgoingPayment.ts";
import { openSqliteStore } from "../src/store/sqlite/openSqliteStore.ts";
import type { AccountRecord, PaymentRecord, Store, SubnetRecord } from "../src/store/store.ts";

const WRITES = Number(process.env.BENCH_WRITES ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);
/** The one-at-a-time baseline stops after this long (or WRITES writes): each write waits for an fsync. */
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 3);

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);

async function seed(store: Store): Promise<(amount: bigint) => PaymentRecord> {
  const now = new Date();
  const tenant = { id: newId("ten"), name: "bench", createdAt: now };
  await store.createTenant(tenant, {
    id: newId("key"),
    tenantId: tenant.id,
    label: "bench",
    secretHash: randomBytes(32).toString("hex"),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  });
  const subnet: SubnetRecord = {
    id: newId("sub"),
    tenantId: tenant.id,
    name: "bench",
    chainId: "refchain:local",
    asset: {
      id: "refchain:local/native",
      chainId: "refchain:local",
      kind: "NATIVE",
      symbol: "REF",
      decimals: 9,
      address: null,
    },
    createdAt: now,
  };
  await store.createSubnet(subnet);
  const account = (address: string): AccountRecord => ({
    id: newId("acc"),
    tenantId: tenant.id,
    subnetId: subnet.id,
    chainId: subnet.chainId,
    address,
    label: null,
    custody: "EXTERNAL",
    keyId: null,
    createdAt: now,
  });
  const from = account("ref1sender");
  const to = account("ref1receiver");
  await store.createAccount(from);
  await store.createAccount(to);

  return (amount) =>
    newOutgoingPayment({
      from,
      asset: subnet.asset,
      amount,
      toAddress: to.address,
      toAccountId: to.id,
      idempotencyKey: newId("pay"),
      inputHash: randomBytes(32).toString("hex"),
    });
}

/** `writers` concurrent loops, each awaiting its own recordPayment before the next: like clients. */
async function measure(
  store: Store,
  payment: (amount: bigint) => PaymentRecord,
  writers: number,
  total: number,
  seconds: number,
): Promise<{ writes: number; perSecond: number }> {
  let issued = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (issued < total && performance.now() < deadline) {
        issued++;
        const result = await store.recordPayment(payment(BigInt(issued)));
        if (!result.created) throw new Error("a fresh idempotency key was reported as used");
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { writes: issued, perSecond: issued / elapsed };
}

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "vg-store-bench-"));
try {
  const store = await openSqliteStore({ path: join(dir, "gateway.db") });
  const payment = await seed(store);
  await measure(store, payment, 16, 2_000, 60); // warm up: JIT, page cache, WAL file

  const baseline = await measure(store, payment, 1, WRITES, BASELINE_SECONDS);
  const grouped = await measure(store, payment, CONCURRENCY, WRITES, 600);
  await store.close();

  line("database", join(dir, "gateway.db"));
  line(
    "(a) one transaction per write",
    `${fmt(baseline.perSecond)} recordPayment/s (${fmt(baseline.writes)} writes)`,
  );
  line(
    `(b) group commit, ${CONCURRENCY} concurrent writers`,
    `${fmt(grouped.perSecond)} recordPayment/s (${fmt(grouped.writes)} writes)`,
  );
  line("(b)/(a)", `${fmt(grouped.perSecond / baseline.perSecond, 1)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
