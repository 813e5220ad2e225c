import { describe, expect, test } from "vitest";
import { SubscriptionSlots } from "./subscriptionSlots.ts";

describe("SubscriptionSlots", () => {
  test("a socket holds at most perSocket; a slot given back can be taken again", () => {
    const slots = new SubscriptionSlots<object>({ perSocket: 2, perTenant: 10 });
    const socket = {};
    expect(slots.take(socket, "1", "t1")).toBeNull();
    expect(slots.take(socket, "2", "t1")).toBeNull();
    expect(slots.take(socket, "3", "t1")).toBe("subscriptionsPerSocket");
    expect(slots.take({}, "3", "t1")).toBeNull();
    slots.release(socket, "1");
    expect(slots.take(socket, "3", "t1")).toBeNull();
    expect(slots.ofSocket(socket)).toBe(2);
  });

  test("a tenant holds at most perTenant over all its sockets; other tenants are not affected", () => {
    const slots = new SubscriptionSlots<object>({ perSocket: 10, perTenant: 3 });
    const a = {};
    const b = {};
    expect(slots.take(a, "1", "t1")).toBeNull();
    expect(slots.take(a, "2", "t1")).toBeNull();
    expect(slots.take(b, "1", "t1")).toBeNull();
    expect(slots.take(b, "2", "t1")).toBe("subscriptionsPerTenant");
    expect(slots.take({}, "1", "t2")).toBeNull();
    expect(slots.ofTenant("t1")).toBe(3);
    // Closing a socket gives back all of its slots at once.
    slots.releaseSocket(a);
    expect(slots.ofTenant("t1")).toBe(1);
    expect(slots.take(b, "2", "t1")).toBeNull();
  });

  test("releasing is idempotent: a subscription reported ended twice frees one slot", () => {
    const slots = new SubscriptionSlots<object>({ perSocket: 10, perTenant: 2 });
    const a = {};
    const b = {};
    slots.take(a, "1", "t1");
    slots.take(b, "1", "t1");
    slots.release(a, "1");
    slots.release(a, "1");
    slots.releaseSocket(a);
    slots.release(a, "unknown");
    expect(slots.ofTenant("t1")).toBe(1);
    expect(slots.take(a, "2", "t1")).toBeNull();
    expect(slots.take(a, "3", "t1")).toBe("subscriptionsPerTenant");
  });

  test("a caller that is no tenant (the admin key) has only the socket's cap", () => {
    const slots = new SubscriptionSlots<object>({ perSocket: 2, perTenant: 1 });
    const socket = {};
    expect(slots.take(socket, "1", null)).toBeNull();
    expect(slots.take(socket, "2", null)).toBeNull();
    expect(slots.take(socket, "3", null)).toBe("subscriptionsPerSocket");
  });

  test("taking the same id twice holds one slot", () => {
    const slots = new SubscriptionSlots<object>({ perSocket: 5, perTenant: 5 });
    const socket = {};
    slots.take(socket, "1", "t1");
    slots.take(socket, "1", "t1");
    expect(slots.ofSocket(socket)).toBe(1);
    expect(slots.ofTenant("t1")).toBe(1);
  });
});
