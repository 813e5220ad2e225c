import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { startTestGateway, type TestGateway } from "../../test/e2e/support/testGateway.ts";
import {
  AccountDocument,
  ChainsDocument,
  CreateAccountDocument,
  CreateSubnetDocument,
  CreateTenantDocument,
  createGatewayClient,
  FundAccountDocument,
  type GatewayClient,
  GatewayClientError,
  PaymentDocument,
  PaymentEventsDocument,
  type PaymentEventsSubscription,
  SendPaymentDocument,
  ViewerDocument,
} from "./index.ts";

/** The GatewayClientError a request or subscription rejected with (anything else fails the test). */
async function rejectionOf(pending: Promise<unknown>): Promise<GatewayClientError> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof GatewayClientError) return error;
    throw error;
  }
  throw new Error("expected a GatewayClientError, but it resolved");
}

describe("the typed gateway client against a real gateway", () => {
  let gateway: TestGateway;
  const clients: GatewayClient[] = [];
  const clientWith = (apiKey: string) => {
    const client = createGatewayClient({ url: gateway.gateway.url, apiKey, webSocketImpl: WebSocket });
    clients.push(client);
    return client;
  };

  /** A new tenant's client with a REF subnet and one account, funded with `funds` when given. */
  const tenantWithAccount = async (name: string, funds?: string) => {
    const { createTenant } = await clientWith(gateway.adminKey).request(CreateTenantDocument, {
      input: { name },
    });
    const client = clientWith(createTenant.apiKey);
    const { createSubnet } = await client.request(CreateSubnetDocument, {
      input: { name: "main", chainId: "refchain:local" },
    });
    const { createAccount } = await client.request(CreateAccountDocument, {
      input: { subnetId: createSubnet.subnet.id, label: "main" },
    });
    if (funds) {
      await client.request(FundAccountDocument, {
        input: { accountId: createAccount.account.id, amount: funds },
      });
    }
    return { client, tenant: createTenant.tenant, account: createAccount.account };
  };

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway?.close();
  });

  test("a typed query: the viewer and the chains, with variables left out where none are required", async () => {
    const { client, tenant } = await tenantWithAccount("Acme");
    const { viewer } = await client.request(ViewerDocument);
    expect(viewer).toMatchObject({ id: tenant.id, name: "Acme" });
    expect(viewer.subnets.edges.map((edge) => edge.node.asset.symbol)).toEqual(["REF"]);
    const { chains } = await client.request(ChainsDocument);
    const refchain = chains.find((chain) => chain.id === "refchain:local");
    expect(refchain).toMatchObject({ kind: "REFCHAIN", healthy: true, nativeAsset: { symbol: "REF" } });
    expect(typeof refchain?.head).toBe("string"); // BlockHeight travels as a string
  });

  test("sendPayment: the payment comes back typed, and the same key replays it", async () => {
    const a = await tenantWithAccount("A", "10");
    const b = await tenantWithAccount("B");
    const input = {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "2.5",
      memo: "invoice 7",
      idempotencyKey: "client-test-1",
    };
    const first = await a.client.request(SendPaymentDocument, { input });
    expect(first.sendPayment.replayed).toBe(false);
    expect(first.sendPayment.payment).toMatchObject({
      direction: "OUTGOING",
      amount: "2.5",
      memo: "invoice 7",
      to: { address: b.account.address, account: null },
    });
    const again = await a.client.request(SendPaymentDocument, { input });
    expect(again.sendPayment).toMatchObject({
      replayed: true,
      payment: { id: first.sendPayment.payment.id },
    });

    const { payment } = await a.client.request(PaymentDocument, { id: first.sendPayment.payment.id });
    expect(payment?.idempotencyKey).toBe("client-test-1");
    const { account } = await a.client.request(AccountDocument, { id: a.account.id, first: 10 });
    expect(account?.payments.edges.map((edge) => edge.node.id)).toContain(first.sendPayment.payment.id);
  });

  test("errors: a GatewayClientError carries each GraphQL error and its extensions.code", async () => {
    const a = await tenantWithAccount("poor", "1");
    const b = await tenantWithAccount("other");

    const tooMuch = await rejectionOf(
      a.client.request(SendPaymentDocument, {
        input: {
          fromAccountId: a.account.id,
          to: { accountId: a.account.id },
          amount: "5",
          idempotencyKey: "x",
        },
      }),
    );
    expect(tooMuch.code).toBe("INSUFFICIENT_FUNDS");
    expect(tooMuch.message).toMatch(/^INSUFFICIENT_FUNDS: /);

    const notYours = await rejectionOf(b.client.request(AccountDocument, { id: a.account.id }));
    expect(notYours.code).toBe("NOT_FOUND");
    expect(notYours.errors[0]?.extensions?.code).toBe("NOT_FOUND");

    const badKey = await rejectionOf(clientWith("not-a-key").request(ViewerDocument));
    expect(badKey).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });

    const badKeyEvents = clientWith("not-a-key").subscribe(PaymentEventsDocument, {
      accountId: a.account.id,
    });
    expect((await rejectionOf(badKeyEvents.next())).code).toBe("UNAUTHENTICATED");
  });

  test("subscribe: the receiver's subscription yields the payment's RECEIVED event, typed", async () => {
    const a = await tenantWithAccount("payer", "10");
    const b = await tenantWithAccount("payee");
    // Started before the payment; `after: "0"` replays the log first, so nothing can slip past.
    const events = b.client.subscribe(PaymentEventsDocument, { accountId: b.account.id, after: "0" });
    const { sendPayment } = await a.client.request(SendPaymentDocument, {
      input: {
        fromAccountId: a.account.id,
        to: { address: b.account.address },
        amount: "3",
        idempotencyKey: "s",
      },
    });

    let received: PaymentEventsSubscription["paymentEvents"] | undefined;
    for await (const { paymentEvents } of events) {
      if (paymentEvents.type === "RECEIVED") {
        received = paymentEvents;
        break; // ends the subscription
      }
    }
    expect(received?.payment).toMatchObject({
      direction: "INCOMING",
      amount: "3",
      from: { address: sendPayment.payment.from.address, account: null },
      to: { address: b.account.address, account: { id: b.account.id } },
    });
    expect(received?.payment.txHash).toBe(sendPayment.payment.txHash);
    const { account } = await b.client.request(AccountDocument, { id: b.account.id });
    expect(account?.balance).toBe("3");
  });
});
