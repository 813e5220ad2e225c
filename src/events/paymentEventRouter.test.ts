import { describe, expect, test } from "vitest";
import { createLogger } from "../logger.ts";
import type { PaymentEventRecord } from "../store/store.ts";
import { createMemoryEventBus } from "./memoryEventBus.ts";
import {
  createPaymentEventRouter,
  type PaymentEventStreamFilter,
  paymentEventRouter,
} from "./paymentEventRouter.ts";

// The router reads only the cursor and the three ids of an event.
const event = (cursor: bigint, tenantId: string, subnetId: string, accountId: string) =>
  ({ cursor, tenantId, subnetId, accountId }) as PaymentEventRecord;

/** A subscriber that records the cursors it gets, and how many calls brought them. */
function recorder(filter: PaymentEventStreamFilter) {
  const seen = { filter, cursors: [] as bigint[], calls: 0 };
  return {
    seen,
    subscriber: {
      filter,
      onEvents(events: readonly PaymentEventRecord[]) {
        seen.calls++;
        seen.cursors.push(...events.map((e) => e.cursor));
      },
    },
  };
}

describe("paymentEventRouter", () => {
  test("an event reaches exactly the streams of its account, its subnet and its tenant", () => {
    const bus = createMemoryEventBus();
    const router = createPaymentEventRouter(bus);
    const filters: Record<string, PaymentEventStreamFilter> = {
      account1: { tenantId: "t1", accountId: "a1" },
      account2: { tenantId: "t1", accountId: "a2" },
      subnet1: { tenantId: "t1", subnetId: "s1" },
      subnet2: { tenantId: "t1", subnetId: "s2" },
      tenant1: { tenantId: "t1" },
      tenant2: { tenantId: "t2" },
      // Filters that name the right account or subnet but another tenant, or an account outside the
      // subnet they name, must not receive it.
      account1OfTenant2: { tenantId: "t2", accountId: "a1" },
      subnet1OfTenant2: { tenantId: "t2", subnetId: "s1" },
      account1InSubnet2: { tenantId: "t1", accountId: "a1", subnetId: "s2" },
      account1InSubnet1: { tenantId: "t1", accountId: "a1", subnetId: "s1" },
    };
    const recorders = Object.fromEntries(
      Object.entries(filters).map(([name, filter]) => {
        const r = recorder(filter);
        router.register(r.subscriber);
        return [name, r.seen];
      }),
    );

    bus.publishPaymentEvents([event(1n, "t1", "s1", "a1")]);
    bus.publishPaymentEvents([event(2n, "t1", "s2", "a2")]);
    bus.publishPaymentEvents([event(3n, "t2", "s3", "b1")]);

    const received = Object.fromEntries(Object.entries(recorders).map(([name, r]) => [name, r.cursors]));
    expect(received).toEqual({
      account1: [1n],
      account2: [2n],
      subnet1: [1n],
      subnet2: [2n],
      tenant1: [1n, 2n],
      tenant2: [3n],
      account1OfTenant2: [],
      subnet1OfTenant2: [],
      account1InSubnet2: [],
      account1InSubnet1: [1n],
    });
  });

  test("unregistering stops delivery; the last one out stops listening and forgets the cursors", () => {
    const bus = createMemoryEventBus();
    const router = createPaymentEventRouter(bus);
    const first = recorder({ tenantId: "t1" });
    const second = recorder({ tenantId: "t1" });
    const stopFirst = router.register(first.subscriber);
    const stopSecond = router.register(second.subscriber);
    bus.publishPaymentEvents([event(1n, "t1", "s1", "a1")]);
    stopFirst();
    stopFirst(); // twice is once
    expect(router.size).toBe(1);
    bus.publishPaymentEvents([event(2n, "t1", "s1", "a1")]);
    expect(first.seen.cursors).toEqual([1n]);
    expect(second.seen.cursors).toEqual([1n, 2n]);
    expect(router.hasPublished(1n, 2n)).toBe(true);
    expect(router.highestPublished).toBe(2n);

    stopSecond();
    expect(router.size).toBe(0);
    bus.publishPaymentEvents([event(3n, "t1", "s1", "a1")]);
    expect(second.seen.cursors).toEqual([1n, 2n]);
    expect(router.hasPublished(1n, 1n)).toBe(false);
    expect(router.highestPublished).toBeNull();

    // Registering again listens again, from the events published from then on.
    const third = recorder({ tenantId: "t1" });
    router.register(third.subscriber);
    bus.publishPaymentEvents([event(4n, "t1", "s1", "a1")]);
    expect(third.seen.cursors).toEqual([4n]);
    expect(router.hasPublished(4n, 4n)).toBe(true);
    expect(router.hasPublished(3n, 4n)).toBe(false);
  });

  test("1,000 account streams: each gets only its account's events, once per batch", () => {
    const bus = createMemoryEventBus();
    const router = createPaymentEventRouter(bus);
    const accounts = Array.from({ length: 1_000 }, (_, i) => `a${i}`);
    const streams = accounts.map((accountId) => {
      const r = recorder({ tenantId: `t${accountId.length}`, accountId });
      router.register(r.subscriber);
      return r.seen;
    });
    const tenantWide = recorder({ tenantId: "t3" });
    router.register(tenantWide.subscriber);

    // Three rounds of one event per account, one batch per round: accounts a10…a99 are tenant t3.
    let cursor = 0n;
    for (let round = 0; round < 3; round++) {
      bus.publishPaymentEvents(
        accounts.map((accountId) => event(++cursor, `t${accountId.length}`, "s", accountId)),
      );
    }
    streams.forEach((stream, i) => {
      expect(stream.cursors).toEqual([1n, 1001n, 2001n].map((first) => first + BigInt(i)));
      expect(stream.calls).toBe(3);
    });
    expect(tenantWide.seen.cursors).toHaveLength(3 * 90);
    expect(tenantWide.seen.calls).toBe(3);
    expect(router.hasPublished(1n, 3_000n)).toBe(true);
  });

  test("knows which cursors were published, in any order and any number of times", () => {
    const bus = createMemoryEventBus();
    const router = createPaymentEventRouter(bus);
    router.register(recorder({ tenantId: "t1" }).subscriber);
    const publish = (...cursors: bigint[]) =>
      bus.publishPaymentEvents(cursors.map((c) => event(c, "t1", "s1", "a1")));

    publish(10n, 11n, 14n, 12n);
    expect(router.hasPublished(10n, 12n)).toBe(true);
    expect(router.hasPublished(10n, 14n)).toBe(false);
    expect(router.hasPublished(9n, 9n)).toBe(false);
    expect(router.hasPublished(15n, 14n)).toBe(true); // empty range
    publish(13n, 11n, 18n, 16n);
    expect(router.hasPublished(10n, 14n)).toBe(true);
    expect(router.hasPublished(14n, 16n)).toBe(false);
    publish(17n, 15n, 16n);
    expect(router.hasPublished(10n, 18n)).toBe(true);
    expect(router.hasPublished(10n, 19n)).toBe(false);
    expect(router.highestPublished).toBe(18n);
  });

  test("forgets the oldest holes beyond its limit: it then answers false, never a wrong true", () => {
    const bus = createMemoryEventBus();
    const router = createPaymentEventRouter(bus);
    router.register(recorder({ tenantId: "t1" }).subscriber);
    // Every other cursor: 3,000 separate ranges, far more than the router keeps.
    for (let c = 1n; c <= 6_000n; c += 2n) bus.publishPaymentEvents([event(c, "t1", "s1", "a1")]);
    expect(router.hasPublished(1n, 1n)).toBe(false);
    expect(router.hasPublished(5_999n, 5_999n)).toBe(true);
    expect(router.hasPublished(5_997n, 5_999n)).toBe(false);
    bus.publishPaymentEvents([event(5_998n, "t1", "s1", "a1")]);
    expect(router.hasPublished(5_997n, 5_999n)).toBe(true);
  });

  test("a subscriber that throws does not keep the others from their events", () => {
    const errors: unknown[] = [];
    const logger = createLogger("silent");
    logger.error = ((fields: { err: unknown }) => {
      errors.push(fields.err);
    }) as typeof logger.error;
    const bus = createMemoryEventBus({ logger });
    const router = createPaymentEventRouter(bus);
    const before = recorder({ tenantId: "t1" });
    const after = recorder({ tenantId: "t1" });
    router.register(before.subscriber);
    router.register({
      filter: { tenantId: "t1" },
      onEvents() {
        throw new Error("broken subscriber");
      },
    });
    router.register(after.subscriber);
    bus.publishPaymentEvents([event(1n, "t1", "s1", "a1"), event(2n, "t1", "s1", "a2")]);
    expect(before.seen.cursors).toEqual([1n, 2n]);
    expect(after.seen.cursors).toEqual([1n, 2n]);
    expect(errors).toHaveLength(1);
  });

  test("one router per bus", () => {
    const bus = createMemoryEventBus();
    expect(paymentEventRouter(bus)).toBe(paymentEventRouter(bus));
    expect(paymentEventRouter(bus)).not.toBe(paymentEventRouter(createMemoryEventBus()));
  });
});
