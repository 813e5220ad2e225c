import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { collect, eventually, type GraphQLTestClient } from "../e2e/support/graphqlTestClient.ts";
import { CREATE_ACCOUNT, CREATE_SUBNET, FUND, SEND, type SendResult } from "../e2e/support/scenario.ts";
import { clusterServicesMissing } from "../support/clusterServices.ts";
import { requireClusterServices } from "../support/requireServices.ts";
import { type Cluster, createTenant, type Replica, startCluster } from "./support/cluster.ts";

// Two gateway replicas as separate processes on one PostgreSQL schema, one Redis and one standalone
// refchain node: they answer as one gateway.

const EVENTS = `subscription ($accountId: ID, $after: String) {
  paymentEvents(accountId: $accountId, after: $after) { cursor type payment { id amount status direction } }
}`;

interface PaymentEvent {
  paymentEvents: {
    cursor: string;
    type: string;
    payment: { id: string; amount: string; status: string; direction: string };
  };
}

async function subnetAccount(client: GraphQLTestClient, funds?: string) {
  const { createSubnet } = await client.data<{ createSubnet: { subnet: { id: string } } }>(CREATE_SUBNET, {
    input: { name: "main", chainId: "refchain:local" },
  });
  const { createAccount } = await client.data<{
    createAccount: { account: { id: string; address: string } };
  }>(CREATE_ACCOUNT, { input: { subnetId: createSubnet.subnet.id } });
  if (funds) await client.data(FUND, { accountId: createAccount.account.id, amount: funds });
  return createAccount.account;
}

if (requireClusterServices(await clusterServicesMissing(), "gateway replicas")) {
  describe("two replicas on PostgreSQL + Redis + a standalone refchain", () => {
    let cluster: Cluster;
    let a: Replica;
    let b: Replica;

    beforeAll(async () => {
      cluster = await startCluster();
      a = await cluster.startReplica("A");
      b = await cluster.startReplica("B");
    }, 60_000);
    afterAll(async () => {
      await cluster?.close();
    });

    test("a subscriber on B hears a payment made on A, on both sides", async () => {
      const payer = await createTenant(a, "payer");
      const payee = await createTenant(b, "payee");
      const from = await subnetAccount(a.client(payer.apiKey), "100");
      const to = await subnetAccount(b.client(payee.apiKey));

      const payerOnB = b.client(payer.apiKey).ws();
      const payeeOnB = b.client(payee.apiKey).ws();
      try {
        const sent = collect<PaymentEvent>(payerOnB, EVENTS, { accountId: from.id });
        const received = collect<PaymentEvent>(payeeOnB, EVENTS, { accountId: to.id });
        // The subscriptions are live once a replica has answered them; a query on the same socket orders after.
        await new Promise((resolve) => setTimeout(resolve, 300));

        const response = await a.client(payer.apiKey).data<{ sendPayment: SendResult }>(SEND, {
          input: {
            fromAccountId: from.id,
            to: { address: to.address },
            amount: "12.5",
            idempotencyKey: "first",
          },
        });
        const paymentId = response.sendPayment.payment.id;

        const payerEvents = await sent.waitFor(4);
        expect(payerEvents.map((event) => event.paymentEvents.type)).toEqual([
          "CREATED",
          "SUBMITTED",
          "CONFIRMED",
          "FINALIZED",
        ]);
        expect(new Set(payerEvents.map((event) => event.paymentEvents.payment.id))).toEqual(
          new Set([paymentId]),
        );
        const payeeEvents = await received.waitFor(1);
        expect(payeeEvents[0]?.paymentEvents).toMatchObject({
          type: "RECEIVED",
          payment: { amount: "12.5", direction: "INCOMING" },
        });
        // Cursors strictly increase: one log, whichever replica wrote.
        const cursors = payerEvents.map((event) => BigInt(event.paymentEvents.cursor));
        expect([...cursors].sort((x, y) => (x < y ? -1 : 1))).toEqual(cursors);
      } finally {
        await payerOnB.dispose();
        await payeeOnB.dispose();
      }
    }, 60_000);

    test("1,000 concurrent sendPayment calls with one idempotency key, split across both replicas, make one payment", async () => {
      const tenant = await createTenant(a, "duplicates");
      const from = await subnetAccount(a.client(tenant.apiKey), "50");
      const to = await subnetAccount(a.client(tenant.apiKey));
      const input = { fromAccountId: from.id, to: { accountId: to.id }, amount: "7", idempotencyKey: "once" };

      const replies = await Promise.all(
        Array.from({ length: 1_000 }, (_, index) =>
          (index % 2 === 0 ? a : b)
            .client(tenant.apiKey)
            .request<{ sendPayment: SendResult }>(SEND, { input }),
        ),
      );
      const errors = replies.flatMap((reply) => reply.errors ?? []);
      expect(errors).toEqual([]);
      const ids = new Set(replies.map((reply) => reply.data?.sendPayment.payment.id));
      expect(ids.size).toBe(1);
      expect(replies.filter((reply) => reply.data?.sendPayment.replayed === false)).toHaveLength(1);

      const client = b.client(tenant.apiKey);
      const balances = await eventually(async () => {
        const { account } = await client.data<{
          account: { balance: string; payments: { edges: { node: { id: string; status: string } }[] } };
        }>(
          "query ($id: ID!) { account(id: $id) { balance payments(first: 50, direction: OUTGOING) { edges { node { id status } } } } }",
          {
            id: from.id,
          },
        );
        const payments = account.payments.edges.map((edge) => edge.node);
        return payments.every((payment) => payment.status === "FINALIZED")
          ? { account, payments }
          : undefined;
      });
      expect(balances.payments).toHaveLength(1);
      expect(balances.account.balance).toBe("43");
      const { account: receiver } = await client.data<{ account: { balance: string } }>(
        "query ($id: ID!) { account(id: $id) { balance } }",
        { id: to.id },
      );
      expect(receiver.balance).toBe("7");
    }, 120_000);
  });
}
