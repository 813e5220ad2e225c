import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { afterEach, describe, expect, test } from "vitest";
import { createLogger } from "../logger.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { PaymentEventRecord } from "../store/store.ts";
import type { ChainHeadEvent, EventBus } from "./eventBus.ts";
import { newOutgoingPayment, seedAccount, seedSubnet, seedTenant, take, testAsset } from "./eventsTestBed.ts";
import { paymentEventStream } from "./paymentEventStream.ts";
import { createRedisEventBus } from "./redisEventBus.ts";

// Two buses over one real Redis stand for two gateway replicas. Redis comes from REDIS_URL (default
// the local one); when it is not there the tests skip, unless REQUIRE_SERVICES=1 makes that a failure.

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisMissing = await probeRedis(REDIS_URL);
if (redisMissing) {
  if (process.env.REQUIRE_SERVICES === "1") {
    test("Redis is reachable (REQUIRE_SERVICES=1)", () => {
      throw new Error(redisMissing);
    });
  } else {
    console.log(`redisEventBus.test.ts skipped: ${redisMissing}`);
  }
}

async function probeRedis(url: string): Promise<string | null> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `no Redis at ${url} (${(error as Error).message}): start redis-server or set REDIS_URL`;
  } finally {
    client.destroy();
  }
}

const logger = createLogger("silent");
const opened: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});

/** A prefix of its own per test, so parallel runs (and the tests here) never hear each other. */
const newPrefix = () => `vg-test-${randomBytes(6).toString("hex")}`;

async function openBus(channelPrefix: string): Promise<EventBus> {
  const bus = await createRedisEventBus({ url: REDIS_URL, logger, channelPrefix });
  opened.push(bus);
  return bus;
}

/** A third connection, for looking at and killing the buses' connections as an operator would. */
async function openAdmin() {
  const admin = createClient({ url: REDIS_URL });
  admin.on("error", () => {});
  await admin.connect();
  opened.push({ close: () => admin.close() });
  return admin;
}

/**
 * The drop a Redis restart or a network cut would cause, for the subscriptions of the buses on
 * `prefix` (by id, not TYPE pubsub, so parallel test runs keep theirs). Which is which replica's is
 * unknown from outside, so every replica on the prefix must recover.
 */
async function killSubscriptions(admin: Awaited<ReturnType<typeof openAdmin>>, prefix: string) {
  const subscriptions = (await admin.clientList()).filter((client) => client.name === `${prefix}-subscriber`);
  expect(subscriptions.length).toBeGreaterThan(0);
  for (const { id } of subscriptions) await admin.sendCommand(["CLIENT", "KILL", "ID", String(id)]);
}

/** Everything one listener received, and a way to wait until some of it is there. */
function collect<T>() {
  const received: T[] = [];
  let waiters: Array<{ until: (items: T[]) => boolean; resolve: () => void }> = [];
  return {
    received,
    push(item: T) {
      received.push(item);
      const ready = waiters.filter((waiter) => waiter.until(received));
      waiters = waiters.filter((waiter) => !ready.includes(waiter));
      for (const waiter of ready) waiter.resolve();
    },
    waitFor(until: (items: T[]) => boolean): Promise<void> {
      if (until(received)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ until, resolve }));
    },
  };
}

const cursorsOf = (batches: (readonly PaymentEventRecord[])[]) => batches.flat().map((event) => event.cursor);
const hasCursor = (cursor: bigint) => (batches: (readonly PaymentEventRecord[])[]) =>
  cursorsOf(batches).includes(cursor);

function paymentEvent(cursor: bigint): PaymentEventRecord {
  const at = new Date(Date.UTC(2026, 10, 26, 6, 0, Number(cursor)));
  return {
    cursor,
    tenantId: "tenant-1",
    paymentId: `payment-${cursor}`,
    accountId: "account-1",
    subnetId: "subnet-1",
    type: "CONFIRMED",
    at,
    payment: {
      id: `payment-${cursor}`,
      tenantId: "tenant-1",
      direction: "OUTGOING",
      accountId: "account-1",
      subnetId: "subnet-1",
      chainId: "evm:31337",
      asset: {
        id: "evm:31337/native",
        chainId: "evm:31337",
        kind: "NATIVE",
        symbol: "ETH",
        decimals: 18,
        address: null,
      },
      // Beyond 2^53: a number would lose it.
      amount: 123_456_789_012_345_678_901_234_567_890n + cursor,
      fromAddress: "0xfrom",
      toAddress: "0xto",
      toAccountId: null,
      memo: 'a memo with {"$bigint":"1"} in it',
      status: "CONFIRMED",
      txHash: "0xtx",
      rawTransaction: new Uint8Array([0, 1, 2, 254, 255]),
      nonce: 9_007_199_254_740_993n,
      validUntilHeight: null,
      blockHeight: 42n,
      blockHash: "0xblock",
      transferIndex: 0,
      confirmations: 3,
      fee: 21_000_000_000_000n,
      errorCode: null,
      errorMessage: null,
      idempotencyKey: "key-1",
      inputHash: "abc",
      createdAt: at,
      updatedAt: at,
    },
  };
}

describe.skipIf(redisMissing !== null)("redisEventBus", () => {
  test("a batch published on one replica reaches every listener of both, once each, in order, intact", async () => {
    const prefix = newPrefix();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const onA = collect<readonly PaymentEventRecord[]>();
    const onB = collect<readonly PaymentEventRecord[]>();
    const alsoOnB = collect<readonly PaymentEventRecord[]>();
    a.onPaymentEvents((events) => onA.push(events));
    b.onPaymentEvents((events) => onB.push(events));
    b.onPaymentEvents((events) => alsoOnB.push(events));

    const first = [paymentEvent(1n), paymentEvent(2n)];
    a.publishPaymentEvents(first);
    a.publishPaymentEvents([paymentEvent(3n)]);
    // Redis delivers one publisher's messages in order: once 3 is on B, any echo of 1-2 would be too.
    await onB.waitFor(hasCursor(3n));
    await alsoOnB.waitFor(hasCursor(3n));
    // Published by B after B saw A's batches: when it reaches A, A's own echoes of 1-3 have come back
    // from Redis before it (and were ignored); likewise B's echo of 4 before A's 5.
    b.publishPaymentEvents([paymentEvent(4n)]);
    await onA.waitFor(hasCursor(4n));
    a.publishPaymentEvents([paymentEvent(5n)]);
    await onB.waitFor(hasCursor(5n));

    for (const inbox of [onA, onB, alsoOnB]) {
      expect(inbox.received.map((batch) => batch.map((event) => event.cursor))).toEqual([
        [1n, 2n],
        [3n],
        [4n],
        [5n],
      ]);
    }
    // Across Redis and back: bigints, dates and bytes as they were.
    expect(onB.received[0]).toEqual(first);
    const received = onB.received[0]?.[0] as PaymentEventRecord;
    expect(typeof received.payment.amount).toBe("bigint");
    expect(received.at).toBeInstanceOf(Date);
    expect(received.payment.rawTransaction).toBeInstanceOf(Uint8Array);
  });

  test("heads reach the other replica once each, in order, intact", async () => {
    const prefix = newPrefix();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const onA = collect<ChainHeadEvent>();
    const onB = collect<ChainHeadEvent>();
    a.onHead((head) => onA.push(head));
    b.onHead((head) => onB.push(head));
    const head = (height: bigint): ChainHeadEvent => ({
      chainId: "evm:31337",
      height,
      hash: `0x${height}`,
      timestamp: 1_795_000_000_000n + height,
    });

    a.publishHead(head(9_007_199_254_740_993n));
    a.publishHead(head(9_007_199_254_740_994n));
    await onB.waitFor((heads) => heads.length === 2);
    b.publishHead(head(1n));
    await onA.waitFor((heads) => heads.some((h) => h.height === 1n));
    a.publishHead(head(2n));
    await onB.waitFor((heads) => heads.some((h) => h.height === 2n));

    const expected = [head(9_007_199_254_740_993n), head(9_007_199_254_740_994n), head(1n), head(2n)];
    expect(onA.received).toEqual(expected);
    expect(onB.received).toEqual(expected);
  });

  test("a revoked key's notice reaches both replicas once each: the publisher's at once, the other's through Redis", async () => {
    const prefix = newPrefix();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const onA = collect<string>();
    const onB = collect<string>();
    a.onApiKeyRevoked((id) => onA.push(id));
    b.onApiKeyRevoked((id) => onB.push(id));

    a.publishApiKeyRevoked("key_1");
    expect(onA.received).toEqual(["key_1"]);
    await onB.waitFor((ids) => ids.includes("key_1"));
    b.publishApiKeyRevoked("key_2");
    expect(onB.received).toEqual(["key_1", "key_2"]);
    await onA.waitFor((ids) => ids.includes("key_2"));
    // A's echo of key_1 came back from Redis before B's key_2 did, and was ignored.
    a.publishApiKeyRevoked("key_3");
    await onB.waitFor((ids) => ids.includes("key_3"));

    expect(onA.received).toEqual(["key_1", "key_2", "key_3"]);
    expect(onB.received).toEqual(["key_1", "key_2", "key_3"]);
  });

  test("a replica on another channel prefix hears nothing", async () => {
    const prefix = newPrefix();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const otherPrefix = newPrefix();
    const elsewhere = await openBus(otherPrefix);
    const neighbour = await openBus(otherPrefix);
    const onElsewhere = collect<readonly PaymentEventRecord[]>();
    elsewhere.onPaymentEvents((events) => onElsewhere.push(events));
    const onB = collect<readonly PaymentEventRecord[]>();
    b.onPaymentEvents((events) => onB.push(events));

    a.publishPaymentEvents([paymentEvent(1n)]);
    await onB.waitFor(hasCursor(1n));
    // Published through Redis after A's batch was: had A's reached `elsewhere`, it would be there first.
    neighbour.publishPaymentEvents([paymentEvent(2n)]);
    await onElsewhere.waitFor(hasCursor(2n));
    expect(cursorsOf(onElsewhere.received)).toEqual([2n]);
  });

  test("close() releases both connections and stops delivery", async () => {
    const prefix = newPrefix();
    const admin = await openAdmin();
    const bus = await createRedisEventBus({ url: REDIS_URL, logger, channelPrefix: prefix });
    const names = async () =>
      (await admin.clientList()).map((client) => client.name).filter((name) => name.startsWith(prefix));
    expect((await names()).sort()).toEqual([`${prefix}-publisher`, `${prefix}-subscriber`]);

    const seen: bigint[] = [];
    bus.onPaymentEvents((events) => seen.push(...events.map((event) => event.cursor)));
    await bus.close();
    bus.publishPaymentEvents([paymentEvent(1n)]);
    expect(seen).toEqual([]);
    expect(await names()).toEqual([]);
    await bus.close(); // twice is fine
  });

  test("after its subscription is killed, a replica resyncs and hears what is published next", async () => {
    const prefix = newPrefix();
    const admin = await openAdmin();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const onB = collect<readonly PaymentEventRecord[]>();
    b.onPaymentEvents((events) => onB.push(events));
    const resyncsOfB = collect<true>();
    b.onResync?.(() => resyncsOfB.push(true));
    const resyncsOfA = collect<true>();
    a.onResync?.(() => resyncsOfA.push(true));

    a.publishPaymentEvents([paymentEvent(1n)]);
    await onB.waitFor(hasCursor(1n));

    await killSubscriptions(admin, prefix);

    // The resync fires once the subscription is back, so what is published from now on arrives.
    await resyncsOfB.waitFor((resyncs) => resyncs.length >= 1);
    await resyncsOfA.waitFor((resyncs) => resyncs.length >= 1);
    a.publishPaymentEvents([paymentEvent(2n)]);
    await onB.waitFor(hasCursor(2n));
    expect(cursorsOf(onB.received)).toEqual([1n, 2n]);
  });

  test("a payment stream on one replica finds the events whose notification it missed, once reconnected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redis-bus-test-"));
    // One store stands for the shared database of both replicas.
    const store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
    opened.push({
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
    const tenant = await seedTenant(store);
    const subnet = await seedSubnet(store, tenant, testAsset);
    const { account } = await seedAccount(store, subnet);
    const record = async () => {
      const result = await store.recordPayment(
        newOutgoingPayment(account, subnet, { toAddress: "x", amount: 1n }),
      );
      if (!result.created) throw new Error("not created");
      return result.event;
    };

    const prefix = newPrefix();
    const admin = await openAdmin();
    const a = await openBus(prefix);
    const b = await openBus(prefix);
    const stream = paymentEventStream({ store, bus: b, filter: { tenantId: tenant.id }, after: 0n });
    opened.push({ close: async () => void (await stream.return?.()) });

    const first = await record();
    a.publishPaymentEvents([first]);
    expect((await take(stream, 1)).map((event) => event.cursor)).toEqual([first.cursor]);

    // Committed while B's subscription is down: B never hears of it, and nothing comes after it that
    // would reveal the hole. Only the resync can make the stream read it from the log.
    const missed = await record();
    const resynced = collect<true>();
    b.onResync?.(() => resynced.push(true));
    await killSubscriptions(admin, prefix);
    await resynced.waitFor((resyncs) => resyncs.length >= 1);
    expect((await take(stream, 1)).map((event) => event.cursor)).toEqual([missed.cursor]);

    // And live again afterwards, through Redis.
    const next = await record();
    a.publishPaymentEvents([next]);
    expect((await take(stream, 1)).map((event) => event.cursor)).toEqual([next.cursor]);
  });
});
