import { expect, test } from "vitest";
import { createLogger } from "../logger.ts";
import type { PaymentEventRecord } from "../store/store.ts";
import type { ChainHeadEvent } from "./eventBus.ts";
import { createMemoryEventBus } from "./memoryEventBus.ts";

const head: ChainHeadEvent = { chainId: "refchain:local", height: 7n, hash: "ab", timestamp: 1n };
// The bus never looks inside an event: a cursor is all these tests need.
const event = (cursor: bigint) => ({ cursor }) as PaymentEventRecord;

test("memoryEventBus: a listener that throws does not keep the others from the event", () => {
  const bus = createMemoryEventBus({ logger: createLogger("silent") });
  const seen: bigint[] = [];
  bus.onPaymentEvents(() => {
    throw new Error("broken listener");
  });
  bus.onPaymentEvents((events) => seen.push(...events.map((e) => e.cursor)));
  bus.onHead(() => {
    throw new Error("broken listener");
  });
  const heads: ChainHeadEvent[] = [];
  bus.onHead((h) => heads.push(h));

  bus.publishPaymentEvents([event(1n), event(2n)]);
  bus.publishHead(head);
  expect(seen).toEqual([1n, 2n]);
  expect(heads).toEqual([head]);
});

test("memoryEventBus: unsubscribe and close stop delivery", async () => {
  const bus = createMemoryEventBus();
  const first: bigint[] = [];
  const second: bigint[] = [];
  const stopFirst = bus.onPaymentEvents((events) => first.push(...events.map((e) => e.cursor)));
  bus.onPaymentEvents((events) => second.push(...events.map((e) => e.cursor)));
  bus.publishPaymentEvents([event(1n)]);
  stopFirst();
  bus.publishPaymentEvents([event(2n)]);
  await bus.close();
  bus.publishPaymentEvents([event(3n)]);
  expect(first).toEqual([1n]);
  expect(second).toEqual([1n, 2n]);
});

test("memoryEventBus: a revocation notice reaches every listener at once, until they unsubscribe", async () => {
  const bus = createMemoryEventBus({ logger: createLogger("silent") });
  const first: string[] = [];
  const second: string[] = [];
  bus.onApiKeyRevoked(() => {
    throw new Error("broken listener");
  });
  const stopFirst = bus.onApiKeyRevoked((id) => first.push(id));
  bus.onApiKeyRevoked((id) => second.push(id));

  bus.publishApiKeyRevoked("key_1");
  // Synchronous: the replica that revoked a key has forgotten it before its mutation answers.
  expect(first).toEqual(["key_1"]);
  stopFirst();
  bus.publishApiKeyRevoked("key_2");
  await bus.close();
  bus.publishApiKeyRevoked("key_3");
  expect(first).toEqual(["key_1"]);
  expect(second).toEqual(["key_1", "key_2"]);
});
