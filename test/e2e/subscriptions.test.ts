import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { collect, eventually } from "./support/graphqlTestClient.ts";
import { balanceOf, createAccount, createSubnet, send, tenantWithAccount } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

interface EventResult {
  paymentEvents: { cursor: string; type: string; payment: { id: string; status: string; amount: string } };
}
const PAYMENT_EVENTS = `subscription ($accountId: ID, $subnetId: ID, $after: String) {
  paymentEvents(accountId: $accountId, subnetId: $subnetId, after: $after) { cursor type payment { id status amount } }
}`;

describe("payment events over graphql-ws", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("a sender sees CREATED → SUBMITTED → CONFIRMED → FINALIZED, in order", async () => {
    const a = await tenantWithAccount(gateway, "5");
    const b = await tenantWithAccount(gateway);
    const socket = a.tenant.ws();
    const events = collect<EventResult>(socket, PAYMENT_EVENTS, { accountId: a.account.id, after: "0" });
    await events.waitFor(1); // the faucet's RECEIVED, replayed from the log
    await send(a.tenant, {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "1",
      idempotencyKey: "k",
    });
    const all = await events.waitFor(5);
    expect(all.map((event) => event.paymentEvents.type)).toEqual([
      "RECEIVED",
      "CREATED",
      "SUBMITTED",
      "CONFIRMED",
      "FINALIZED",
    ]);
    const cursors = all.map((event) => BigInt(event.paymentEvents.cursor));
    expect([...cursors].sort((x, y) => (x < y ? -1 : 1))).toEqual(cursors);
    events.stop();
    await socket.dispose();
  });

  test("resume from a cursor after a disconnect: every event exactly once, in order, no gap", async () => {
    const a = await tenantWithAccount(gateway, "50");
    const b = await tenantWithAccount(gateway);
    const pay = (i: number) =>
      send(a.tenant, {
        fromAccountId: a.account.id,
        to: { address: b.account.address },
        amount: "0.1",
        idempotencyKey: `r-${i}`,
      });

    // First connection: B listens, some payments arrive, then the connection drops.
    const first = b.tenant.ws();
    const before = collect<EventResult>(first, PAYMENT_EVENTS, { accountId: b.account.id, after: "0" });
    for (let i = 0; i < 5; i++) await pay(i);
    await before.waitFor(5);
    await first.dispose();
    const seen = before.items.map((event) => event.paymentEvents);
    const last = seen.at(-1)?.cursor;

    // While disconnected, more payments arrive and keep arriving during the reconnect.
    for (let i = 5; i < 10; i++) await pay(i);
    const second = b.tenant.ws();
    const after = collect<EventResult>(second, PAYMENT_EVENTS, { accountId: b.account.id, after: last });
    for (let i = 10; i < 15; i++) await pay(i);
    await eventually(async () => ((await balanceOf(b.tenant, b.account.id)) === "1.5" ? true : undefined));

    // B's account gets one RECEIVED per payment (refchain is final at inclusion: it arrives FINALIZED).
    const resumed = await after.waitFor(15 - seen.length);
    const all = [...seen, ...resumed.map((event) => event.paymentEvents)];
    const cursors = all.map((event) => BigInt(event.cursor));
    expect(new Set(cursors).size).toBe(cursors.length);
    expect([...cursors].sort((x, y) => (x < y ? -1 : 1))).toEqual(cursors);
    const received = all.filter((event) => event.type === "RECEIVED");
    expect(received).toHaveLength(15);
    expect(new Set(received.map((event) => event.payment.id)).size).toBe(15);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(after.items).toHaveLength(15 - seen.length); // nothing more, nothing twice
    expect(all.every((event) => event.type === "RECEIVED" && event.payment.status === "FINALIZED")).toBe(
      true,
    );
    await second.dispose();
  });

  test("a subnet subscription gets the events of every account in it, and nothing of others", async () => {
    const a = await tenantWithAccount(gateway, "5");
    const second = await createAccount(a.tenant, a.subnet.id);
    const otherSubnet = await createSubnet(a.tenant, { name: "other" });
    const outside = await createAccount(a.tenant, otherSubnet.id);
    const socket = a.tenant.ws();
    // From the start of the log: the funding of a.account (RECEIVED) comes first.
    const events = collect<EventResult>(socket, PAYMENT_EVENTS, { subnetId: a.subnet.id, after: "0" });
    await send(a.tenant, {
      fromAccountId: a.account.id,
      to: { address: outside.address },
      amount: "1",
      idempotencyKey: "s1",
    });
    await send(a.tenant, {
      fromAccountId: a.account.id,
      to: { accountId: second.id },
      amount: "1",
      idempotencyKey: "s2",
    });
    await eventually(async () => ((await balanceOf(a.tenant, second.id)) === "1" ? true : undefined));
    // The funding (RECEIVED), two OUTGOING payments (4 events each) and one INCOMING to `second`
    // (RECEIVED) = 10; the payment into the other subnet is seen here only as its outgoing side.
    await eventually(async () => (events.items.length >= 10 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.items).toHaveLength(10);
    const received = events.items.filter((event) => event.paymentEvents.type === "RECEIVED");
    expect(received).toHaveLength(2);
    events.stop();
    await socket.dispose();
  });

  test("paymentEvents for another tenant's account is NOT_FOUND", async () => {
    const a = await tenantWithAccount(gateway);
    const b = await tenantWithAccount(gateway);
    const socket = a.tenant.ws();
    const events = collect<EventResult>(socket, PAYMENT_EVENTS, { accountId: b.account.id });
    await expect(events.waitFor(1, 5_000)).rejects.toThrow(/NOT_FOUND/);
    await socket.dispose();
  });

  test("chainHeads streams new blocks with growing heights", async () => {
    const a = await tenantWithAccount(gateway, "1");
    const socket = a.tenant.ws();
    const heads = collect<{ chainHeads: { chainId: string; height: string } }>(
      socket,
      'subscription { chainHeads(chainId: "refchain:local") { chainId height hash timestamp } }',
      {},
    );
    // Blocks are made when there is a transaction: pay until two heads have arrived (the first
    // payments may land before the subscription is live; heads have no cursor to replay from).
    const b = await tenantWithAccount(gateway);
    for (let i = 0; heads.items.length < 2 && i < 100; i++) {
      await send(a.tenant, {
        fromAccountId: a.account.id,
        to: { address: b.account.address },
        amount: "0.001",
        idempotencyKey: `h${i}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const items = await heads.waitFor(2);
    const heights = items.map((item) => BigInt(item.chainHeads.height));
    expect(heights[1]).toBeGreaterThan(heights[0] ?? 0n);
    expect(items[0]?.chainHeads.chainId).toBe("refchain:local");
    heads.stop();
    await socket.dispose();
  });
});
