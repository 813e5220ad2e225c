import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { PaymentEventRecord, PaymentRecord, Store, SubnetRecord } from "../store/store.ts";
import type { EventBus } from "./eventBus.ts";
import {
  newOutgoingPayment,
  openStoreBed,
  recordAndPublish,
  type StoreBed,
  seedAccount,
  seedSubnet,
  seedTenant,
  sleep,
  take,
  testAsset,
} from "./eventsTestBed.ts";
import { createMemoryEventBus } from "./memoryEventBus.ts";
import { chainHeadStream, paymentEventStream } from "./paymentEventStream.ts";

let bed: StoreBed;
beforeEach(async () => {
  bed = await openStoreBed();
});
afterEach(async () => {
  await bed.close();
});

/** Moves a payment one status on and announces the event, as the tracker does. */
async function advance(
  store: Store,
  bus: EventBus,
  payment: PaymentRecord,
  status: "SUBMITTED" | "CONFIRMED",
) {
  const events = await store.applyPaymentChanges([
    { paymentId: payment.id, patch: { status }, eventType: status, at: new Date() },
  ]);
  bus.publishPaymentEvents(events);
}

/** The whole log for a filter, straight from the store. */
async function logCursors(store: Store, filter: { tenantId: string; accountId?: string; subnetId?: string }) {
  const events = await store.readEvents({ ...filter, after: 0n, limit: 1_000_000 });
  return events.map((event) => event.cursor);
}

/** Pulls in the background until stopped; the test reads `received` once the writers are done. */
function consume(iterator: AsyncIterableIterator<PaymentEventRecord>) {
  const received: PaymentEventRecord[] = [];
  const done = (async () => {
    for await (const event of iterator) received.push(event);
  })();
  return { received, done };
}

async function seedTwoTenants(store: Store) {
  const tenantA = await seedTenant(store, "A");
  const tenantB = await seedTenant(store, "B");
  const subnetA1 = await seedSubnet(store, tenantA, testAsset);
  const subnetA2 = await seedSubnet(store, tenantA, testAsset);
  const subnetB = await seedSubnet(store, tenantB, testAsset);
  const a1 = (await seedAccount(store, subnetA1)).account;
  const a2 = (await seedAccount(store, subnetA1)).account;
  const a3 = (await seedAccount(store, subnetA2)).account;
  const b1 = (await seedAccount(store, subnetB)).account;
  const subnets = new Map<string, SubnetRecord>(
    [subnetA1, subnetA2, subnetB].map((subnet) => [subnet.id, subnet]),
  );
  return { tenantA, tenantB, subnetA1, subnetA2, subnetB, a1, a2, a3, b1, subnets };
}

/**
 * A writer that records payments and moves them on, announcing each write after a random pause, so
 * announcements reach the bus out of cursor order, as with several writers.
 */
function outOfOrderWriter(store: Store, bus: EventBus, seed: Awaited<ReturnType<typeof seedTwoTenants>>) {
  const accounts = [seed.a1, seed.a2, seed.a3, seed.b1];
  return async (rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      const account = accounts[Math.floor(Math.random() * accounts.length)];
      if (account === undefined) throw new Error("no account");
      const subnet = seed.subnets.get(account.subnetId) as SubnetRecord;
      const result = await store.recordPayment(
        newOutgoingPayment(account, subnet, { toAddress: "x", amount: 1n }),
      );
      if (!result.created) throw new Error("not created");
      const events = await store.applyPaymentChanges([
        {
          paymentId: result.payment.id,
          patch: { status: "SUBMITTED" },
          eventType: "SUBMITTED",
          at: new Date(),
        },
      ]);
      await sleep(Math.random() * 3);
      bus.publishPaymentEvents([result.event]);
      if (Math.random() < 0.5) await sleep(Math.random() * 3);
      bus.publishPaymentEvents(events);
    }
  };
}

describe("paymentEventStream", () => {
  test("replays the log then goes live with no gap, duplicate or reorder while many writers append", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    const writer = outOfOrderWriter(store, bus, seed);

    const before = Promise.all([writer(20), writer(20)]);
    await sleep(10);
    // Subscribes while the log is being written: the handover happens under load.
    const stream = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id },
      after: 0n,
      pageSize: 7,
    });
    const { received, done } = consume(stream);
    await Promise.all([before, writer(30), writer(30), writer(30), writer(30)]);

    const expected = await logCursors(store, { tenantId: seed.tenantA.id });
    expect(expected.length).toBeGreaterThan(100);
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(expected.length), {
      timeout: 10_000,
    });
    await stream.return?.();
    await done;
    expect(received.map((event) => event.cursor)).toEqual(expected);
    expect(received.every((event) => event.tenantId === seed.tenantA.id)).toBe(true);
  });

  test("account and subnet streams get exactly their part of the log while writers announce out of order", async () => {
    const { store } = bed;
    // A bus of its own, which the store does not publish to: only the writers below announce, each
    // after a random pause, so announcements arrive out of cursor order (several writers, or a
    // transport that reorders) and the streams must find the gaps.
    const bus = createMemoryEventBus();
    const seed = await seedTwoTenants(store);
    const accounts = [seed.a1, seed.a2, seed.a3, seed.b1];
    const writer = outOfOrderWriter(store, bus, seed);
    const filters = [
      ...accounts.map((account) => ({ tenantId: account.tenantId, accountId: account.id })),
      { tenantId: seed.tenantA.id, subnetId: seed.subnetA1.id },
      { tenantId: seed.tenantA.id, subnetId: seed.subnetA2.id },
    ];
    const before = Promise.all([writer(10), writer(10)]);
    await sleep(5);
    const streams = filters.map((filter) => {
      const stream = paymentEventStream({ store, bus, filter, after: 0n, pageSize: 3 });
      return { filter, stream, ...consume(stream) };
    });
    await Promise.all([before, writer(25), writer(25), writer(25)]);

    for (const { filter, stream, received, done } of streams) {
      const expected = await logCursors(store, filter);
      await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(expected.length), {
        timeout: 10_000,
      });
      await stream.return?.();
      await done;
      expect(received.map((event) => event.cursor)).toEqual(expected);
    }
  });

  test("an account stream stays live without reading the log again while other accounts' events come between its own", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    const stream = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id, accountId: seed.a1.id },
      after: 0n,
    });
    const first = recordAndPublish(
      store,
      bus,
      newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
    );
    await take(stream, 1);
    await first;

    // From here on, the stream learns that the cursors between its events were published for others.
    const reads = vi.spyOn(store, "readEvents");
    const mine: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const [account, subnet] of [
        [seed.a2, seed.subnetA1],
        [seed.b1, seed.subnetB],
      ] as const) {
        await recordAndPublish(
          store,
          bus,
          newOutgoingPayment(account, subnet, { toAddress: "x", amount: 1n }),
        );
      }
      const payment = await recordAndPublish(
        store,
        bus,
        newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
      );
      mine.push(payment.id);
    }
    const live = await take(stream, mine.length);
    expect(live.map((event) => event.paymentId)).toEqual(mine);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    await stream.return?.();
  });

  test("events announced in one batch in reverse order come out in cursor order, with no log read", async () => {
    const { store } = bed;
    // A bus the store does not publish to: the test announces, in the order it chooses.
    const bus = createMemoryEventBus();
    const seed = await seedTwoTenants(store);
    const record = async () => {
      const result = await store.recordPayment(
        newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
      );
      if (!result.created) throw new Error("not created");
      return result.event;
    };
    const stream = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id, accountId: seed.a1.id },
      after: 0n,
    });
    const first = await record();
    bus.publishPaymentEvents([first]);
    await take(stream, 1);

    const reads = vi.spyOn(store, "readEvents");
    const later = [await record(), await record(), await record()];
    bus.publishPaymentEvents([...later].reverse());
    const live = await take(stream, 3);
    expect(live.map((event) => event.cursor)).toEqual(later.map((event) => event.cursor));
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    await stream.return?.();
  });

  test("a slow consumer with a tiny buffer still receives every event, in order", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    const stream = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id },
      after: 0n,
      maxBuffered: 3,
    });
    const first = recordAndPublish(
      store,
      bus,
      newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
    );
    const [head] = await take(stream, 1);
    await first;

    // The consumer does not pull while 60 events (and other tenants' too) are written and announced.
    for (let i = 0; i < 30; i++) {
      const payment = await recordAndPublish(
        store,
        bus,
        newOutgoingPayment(i % 2 === 0 ? seed.a2 : seed.b1, i % 2 === 0 ? seed.subnetA1 : seed.subnetB, {
          toAddress: "x",
          amount: 1n,
        }),
      );
      await advance(store, bus, payment, "SUBMITTED");
    }
    const expected = await logCursors(store, { tenantId: seed.tenantA.id });
    const rest = await take(stream, expected.length - 1);
    expect([head, ...rest].map((event) => event?.cursor)).toEqual(expected);

    // And it is live again afterwards.
    const late = await recordAndPublish(
      store,
      bus,
      newOutgoingPayment(seed.a3, seed.subnetA2, { toAddress: "x", amount: 1n }),
    );
    const [next] = await take(stream, 1);
    expect(next?.paymentId).toBe(late.id);
    await stream.return?.();
  });

  test("filters by account, by subnet, or takes the whole tenant", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    const byAccount = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id, accountId: seed.a1.id },
      after: 0n,
    });
    const bySubnet = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id, subnetId: seed.subnetA1.id },
      after: 0n,
    });
    const byTenant = paymentEventStream({ store, bus, filter: { tenantId: seed.tenantA.id }, after: 0n });

    // Half recorded before the streams start reading, half after (live).
    const payments: PaymentRecord[] = [];
    const pay = async (account: typeof seed.a1) => {
      const subnet = seed.subnets.get(account.subnetId) as SubnetRecord;
      payments.push(
        await recordAndPublish(
          store,
          bus,
          newOutgoingPayment(account, subnet, { toAddress: "x", amount: 1n }),
        ),
      );
    };
    for (const account of [seed.a1, seed.a2, seed.a3, seed.b1]) await pay(account);
    const firsts = await Promise.all([take(byAccount, 1), take(bySubnet, 1), take(byTenant, 1)]);
    for (const account of [seed.b1, seed.a3, seed.a2, seed.a1]) await pay(account);

    const idsOf = (accountIds: string[]) =>
      payments.filter((payment) => accountIds.includes(payment.accountId)).map((payment) => payment.id);
    const accountEvents = [...(firsts[0] ?? []), ...(await take(byAccount, 1))];
    const subnetEvents = [...(firsts[1] ?? []), ...(await take(bySubnet, 3))];
    const tenantEvents = [...(firsts[2] ?? []), ...(await take(byTenant, 5))];
    expect(accountEvents.map((event) => event.paymentId)).toEqual(idsOf([seed.a1.id]));
    expect(subnetEvents.map((event) => event.paymentId)).toEqual(idsOf([seed.a1.id, seed.a2.id]));
    expect(tenantEvents.map((event) => event.paymentId)).toEqual(idsOf([seed.a1.id, seed.a2.id, seed.a3.id]));
    expect(tenantEvents.every((event) => event.type === "CREATED")).toBe(true);

    // Nothing else arrives for the narrow filters: one more event of a3 reaches only the tenant stream.
    await pay(seed.a3);
    const [more] = await take(byTenant, 1);
    expect(more?.accountId).toBe(seed.a3.id);
    await pay(seed.a1);
    const [nextForAccount] = await take(byAccount, 1);
    expect(nextForAccount?.paymentId).toBe(payments.at(-1)?.id);
    await Promise.all([byAccount.return?.(), bySubnet.return?.(), byTenant.return?.()]);
  });

  test("replays from a cursor: only events after it", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    for (let i = 0; i < 5; i++)
      await recordAndPublish(
        store,
        bus,
        newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
      );
    const all = await logCursors(store, { tenantId: seed.tenantA.id });
    const stream = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id },
      after: all[1] ?? 0n,
    });
    const events = await take(stream, 3);
    expect(events.map((event) => event.cursor)).toEqual(all.slice(2));
    await stream.return?.();
  });

  test("return() ends a stream that is waiting for an event, and an abort signal does too", async () => {
    const { store, bus } = bed;
    const seed = await seedTwoTenants(store);
    const stream = paymentEventStream({ store, bus, filter: { tenantId: seed.tenantA.id }, after: 0n });
    const waiting = stream.next();
    await sleep(20);
    await stream.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });

    const controller = new AbortController();
    const aborted = paymentEventStream({
      store,
      bus,
      filter: { tenantId: seed.tenantA.id },
      after: 0n,
      signal: controller.signal,
    });
    const pending = aborted.next();
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });

    // Events written after both ended reach no one, and nothing throws.
    await recordAndPublish(
      store,
      bus,
      newOutgoingPayment(seed.a1, seed.subnetA1, { toAddress: "x", amount: 1n }),
    );
  });
});

describe("chainHeadStream", () => {
  test("delivers heads of one chain, and a slow consumer skips to the newest", async () => {
    const { bus } = bed;
    const stream = chainHeadStream({ bus, chainId: "refchain:a" });
    const head = (chainId: string, height: bigint) => ({
      chainId,
      height,
      hash: `h${height}`,
      timestamp: 0n,
    });
    const first = stream.next();
    bus.publishHead(head("refchain:b", 1n));
    bus.publishHead(head("refchain:a", 1n));
    expect((await first).value).toEqual(head("refchain:a", 1n));
    for (let height = 2n; height <= 5n; height++) bus.publishHead(head("refchain:a", height));
    expect((await stream.next()).value).toEqual(head("refchain:a", 5n));
    await stream.return?.();
  });
});
