import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AccountDocument,
  FundAccountDocument,
  PaymentDocument,
  PaymentEventsDocument,
  SendPaymentDocument,
} from "../../src/client/index.ts";
import { eventually } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";
import { answerOf, balanceOf, tenantWithAccount } from "./support/typedClient.ts";

const namedTenantWithAccount = (gateway: TestGateway, name: string) =>
  tenantWithAccount(gateway, { tenantName: name, subnetName: `${name} REF` });

describe("the cross-tenant story on refchain", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("tenant A pays tenant B's address: B's subscription gets RECEIVED, both balances move, histories page", async () => {
    const a = await namedTenantWithAccount(gateway, "Acme");
    const b = await namedTenantWithAccount(gateway, "Globex");

    const funded = await a.client.request(FundAccountDocument, {
      input: { accountId: a.account.id, amount: "100" },
    });
    expect(funded.fundAccount.amount).toBe("100");
    expect(await balanceOf(a.client, a.account.id)).toBe("100");

    // `after: "0"` replays B's (empty) history first: whenever the socket is up, nothing is missed.
    const events = b.client.subscribe(PaymentEventsDocument, { accountId: b.account.id, after: "0" });
    let paymentId: string;
    try {
      const { sendPayment } = await a.client.request(SendPaymentDocument, {
        input: {
          fromAccountId: a.account.id,
          to: { address: b.account.address },
          amount: "12.5",
          memo: "invoice 42",
          idempotencyKey: "inv-42",
        },
      });
      expect(sendPayment.replayed).toBe(false);
      expect(sendPayment.payment.status).toBe("SUBMITTED");
      expect(sendPayment.payment.direction).toBe("OUTGOING");
      expect(sendPayment.payment.to).toEqual({ address: b.account.address, account: null }); // not A's account
      paymentId = sendPayment.payment.id;

      const received = await events.next();
      if (received.done) throw new Error("B's payment events ended before the first one");
      expect(received.value.paymentEvents.type).toBe("RECEIVED");
      expect(received.value.paymentEvents.payment).toMatchObject({
        amount: "12.5",
        direction: "INCOMING",
        from: { address: a.account.address },
      });
    } finally {
      await b.client.close(); // ends the subscription and its socket
    }

    const finalized = await eventually(async () => {
      const { payment } = await a.client.request(PaymentDocument, { id: paymentId });
      return payment?.status === "FINALIZED" ? payment : undefined;
    });
    expect(BigInt(finalized.blockHeight ?? "0")).toBeGreaterThan(0n);
    expect(await balanceOf(a.client, a.account.id)).toBe("87.5");
    expect(await balanceOf(b.client, b.account.id)).toBe("12.5");

    // B sees the payment in its history as INCOMING; A cannot see B's payment id.
    const history = await b.client.request(AccountDocument, {
      id: b.account.id,
      first: 10,
      direction: "INCOMING",
    });
    const incoming = history.account?.payments.edges.map((edge) => edge.node) ?? [];
    expect(incoming).toHaveLength(1);
    expect(incoming[0]).toMatchObject({ direction: "INCOMING", amount: "12.5", memo: "invoice 42" });
    const peek = await answerOf(a.client.request(PaymentDocument, { id: incoming[0]?.id ?? "" }));
    expect(peek.codes[0]).toBe("NOT_FOUND");
  });

  test("histories page with cursors, newest first, without repeats", async () => {
    const a = await namedTenantWithAccount(gateway, "Pager");
    const b = await namedTenantWithAccount(gateway, "Payee");
    await a.client.request(FundAccountDocument, { input: { accountId: a.account.id, amount: "10" } });
    for (let i = 1; i <= 5; i++) {
      await a.client.request(SendPaymentDocument, {
        input: {
          fromAccountId: a.account.id,
          to: { address: b.account.address },
          amount: `0.${i}`,
          idempotencyKey: `page-${i}`,
        },
      });
    }
    const outgoingPage = (after: string | null | undefined) =>
      a.client.request(AccountDocument, { id: a.account.id, first: 2, after, direction: "OUTGOING" });
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (;;) {
      const { account } = await outgoingPage(after);
      if (!account) throw new Error(`account ${a.account.id} not found`);
      seen.push(...account.payments.edges.map((edge) => edge.node.amount));
      if (!account.payments.pageInfo.hasNextPage) break;
      after = account.payments.pageInfo.endCursor;
    }
    expect(seen).toEqual(["0.5", "0.4", "0.3", "0.2", "0.1"]);
  });
});
