import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { collect, eventually, type GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

const CREATE_SUBNET = `mutation ($name: String!) {
  createSubnet(input: { name: $name, chainId: "refchain:local" }) { subnet { id chain { id } asset { symbol decimals } } }
}`;
const CREATE_ACCOUNT = `mutation ($subnetId: ID!, $label: String) {
  createAccount(input: { subnetId: $subnetId, label: $label }) { account { id address custody } }
}`;
const FUND = `mutation ($accountId: ID!, $amount: Amount!) {
  fundAccount(input: { accountId: $accountId, amount: $amount }) { txHash amount }
}`;
const SEND = `mutation ($input: SendPaymentInput!) {
  sendPayment(input: $input) { replayed payment { id status amount txHash direction from { address account { id } } to { address account { id } } } }
}`;
const BALANCE = "query ($id: ID!) { account(id: $id) { balance } }";

async function tenantWithAccount(gateway: TestGateway, name: string) {
  const tenant = await gateway.newTenant(name);
  const { createSubnet } = await tenant.data<{ createSubnet: { subnet: { id: string } } }>(CREATE_SUBNET, {
    name: `${name} REF`,
  });
  const { createAccount } = await tenant.data<{
    createAccount: { account: { id: string; address: string } };
  }>(CREATE_ACCOUNT, { subnetId: createSubnet.subnet.id, label: "main" });
  return { tenant, subnetId: createSubnet.subnet.id, account: createAccount.account };
}

const balanceOf = async (client: GraphQLTestClient, id: string) =>
  (await client.data<{ account: { balance: string } }>(BALANCE, { id })).account.balance;

describe("the cross-tenant story on refchain", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("tenant A pays tenant B's address: B's subscription gets RECEIVED, both balances move, histories page", async () => {
    const a = await tenantWithAccount(gateway, "Acme");
    const b = await tenantWithAccount(gateway, "Globex");

    const funded = await a.tenant.data<{ fundAccount: { txHash: string; amount: string } }>(FUND, {
      accountId: a.account.id,
      amount: "100",
    });
    expect(funded.fundAccount.amount).toBe("100");
    expect(await balanceOf(a.tenant, a.account.id)).toBe("100");

    const socket = b.tenant.ws();
    const events = collect<{
      paymentEvents: {
        type: string;
        cursor: string;
        payment: { amount: string; status: string; direction: string; from: { address: string } };
      };
    }>(
      socket,
      'subscription ($accountId: ID) { paymentEvents(accountId: $accountId, after: "0") { cursor type payment { amount status direction from { address } } } }',
      { accountId: b.account.id },
    );
    // `after: "0"` replays B's (empty) history first: whenever the socket is up, nothing is missed.

    const { sendPayment } = await a.tenant.data<{
      sendPayment: {
        replayed: boolean;
        payment: {
          id: string;
          status: string;
          amount: string;
          direction: string;
          to: { address: string; account: null | { id: string } };
        };
      };
    }>(SEND, {
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

    const [received] = await events.waitFor(1);
    expect(received?.paymentEvents.type).toBe("RECEIVED");
    expect(received?.paymentEvents.payment).toMatchObject({
      amount: "12.5",
      direction: "INCOMING",
      from: { address: a.account.address },
    });
    events.stop();
    await socket.dispose();

    const paymentId = sendPayment.payment.id;
    const finalized = await eventually(async () => {
      const { payment } = await a.tenant.data<{
        payment: { status: string; blockHeight: string; confirmations: number };
      }>("query ($id: ID!) { payment(id: $id) { status blockHeight confirmations } }", { id: paymentId });
      return payment.status === "FINALIZED" ? payment : undefined;
    });
    expect(BigInt(finalized.blockHeight)).toBeGreaterThan(0n);
    expect(await balanceOf(a.tenant, a.account.id)).toBe("87.5");
    expect(await balanceOf(b.tenant, b.account.id)).toBe("12.5");

    // B sees the payment in its history as INCOMING; A cannot see B's payment id.
    const history = await b.tenant.data<{
      account: {
        payments: { edges: { node: { id: string; direction: string; amount: string; memo: string } }[] };
      };
    }>(
      "query ($id: ID!) { account(id: $id) { payments(first: 10, direction: INCOMING) { edges { node { id direction amount memo } } } } }",
      {
        id: b.account.id,
      },
    );
    const incoming = history.account.payments.edges.map((edge) => edge.node);
    expect(incoming).toHaveLength(1);
    expect(incoming[0]).toMatchObject({ direction: "INCOMING", amount: "12.5", memo: "invoice 42" });
    const peek = await a.tenant.request("query ($id: ID!) { payment(id: $id) { id } }", {
      id: incoming[0]?.id,
    });
    expect(peek.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  test("histories page with cursors, newest first, without repeats", async () => {
    const a = await tenantWithAccount(gateway, "Pager");
    const b = await tenantWithAccount(gateway, "Payee");
    await a.tenant.data(FUND, { accountId: a.account.id, amount: "10" });
    for (let i = 1; i <= 5; i++) {
      await a.tenant.data(SEND, {
        input: {
          fromAccountId: a.account.id,
          to: { address: b.account.address },
          amount: `0.${i}`,
          idempotencyKey: `page-${i}`,
        },
      });
    }
    const seen: string[] = [];
    let after: string | null = null;
    type Page = {
      account: {
        payments: {
          edges: { node: { amount: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
    };
    for (;;) {
      const { account }: Page = await a.tenant.data<Page>(
        "query ($id: ID!, $after: String) { account(id: $id) { payments(first: 2, after: $after, direction: OUTGOING) { edges { node { amount } } pageInfo { hasNextPage endCursor } } } }",
        { id: a.account.id, after },
      );
      seen.push(...account.payments.edges.map((edge: { node: { amount: string } }) => edge.node.amount));
      if (!account.payments.pageInfo.hasNextPage) break;
      after = account.payments.pageInfo.endCursor;
    }
    expect(seen).toEqual(["0.5", "0.4", "0.3", "0.2", "0.1"]);
  });
});
