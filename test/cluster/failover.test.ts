import { afterEach, describe, expect, test } from "vitest";
import { collect, eventually } from "../e2e/support/graphqlTestClient.ts";
import { FUND } from "../e2e/support/scenario.ts";
import { clusterServicesMissing } from "../support/clusterServices.ts";
import { startPrivateRedis } from "../support/privateRedis.ts";
import { requireClusterServices } from "../support/requireServices.ts";
import { type Cluster, createTenant, startCluster } from "./support/cluster.ts";
import { balancesOf, paymentStatus, refchainAccounts, sendPayment } from "./support/refchainAccounts.ts";

// Replicas losing a part: the replica that runs the chain's tracker, or Redis itself.

const EVENTS = `subscription ($accountId: ID, $after: String) {
  paymentEvents(accountId: $accountId, after: $after) { cursor type payment { id status } }
}`;

interface PaymentEvent {
  paymentEvents: { cursor: string; type: string; payment: { id: string; status: string } };
}

/** Each payment's event types in arrival order, and whether cursors only ever grew. */
function byPayment(events: readonly PaymentEvent[]) {
  const types = new Map<string, string[]>();
  let previous = -1n;
  let ordered = true;
  for (const { paymentEvents: event } of events) {
    const cursor = BigInt(event.cursor);
    if (cursor <= previous) ordered = false;
    previous = cursor;
    types.set(event.payment.id, [...(types.get(event.payment.id) ?? []), event.type]);
  }
  return { types, ordered };
}

if (requireClusterServices(await clusterServicesMissing(), "replica failover")) {
  describe("replica failover", () => {
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await cluster?.close();
      cluster = undefined;
    });

    test("the replica running the tracker is killed mid-stream: the other takes over, no block and no event missed", async () => {
      cluster = await startCluster();
      const leader = await cluster.startReplica("A");
      const follower = await cluster.startReplica("B");
      expect(await cluster.trackerLeaderPid()).toBe(leader.process.pid);

      const payer = await createTenant(follower, "payer");
      const payee = await createTenant(follower, "payee");
      const payerClient = follower.client(payer.apiKey);
      const [from] = await refchainAccounts(payerClient, 1, "1000");
      const [to] = await refchainAccounts(follower.client(payee.apiKey), 1);
      if (!from || !to) throw new Error("accounts missing");

      // From the start of the log: the subscriptions miss nothing whenever they went live.
      const payerSocket = payerClient.ws();
      const payeeSocket = follower.client(payee.apiKey).ws();
      const sent = collect<PaymentEvent>(payerSocket, EVENTS, { accountId: from.id, after: "0" });
      const received = collect<PaymentEvent>(payeeSocket, EVENTS, { accountId: to.id, after: "0" });
      try {
        const ids: string[] = [];
        for (let index = 0; index < 30; index++) {
          if (index === 10) await leader.process.kill("SIGKILL");
          const reply = await sendPayment(payerClient, {
            fromAccountId: from.id,
            to: { address: to.address },
            amount: "1",
            idempotencyKey: `stream-${index}`,
          });
          expect(reply.errors).toBeUndefined();
          ids.push(reply.data?.sendPayment.payment.id as string);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        // The lease of the dead replica expires and B's tracker follows the chain from the last applied block.
        await eventually(async () =>
          (await cluster?.trackerLeaderPid()) === follower.process.pid ? true : undefined,
        );
        await eventually(async () => {
          const statuses = await Promise.all(ids.map((id) => paymentStatus(payerClient, id)));
          return statuses.every((payment) => payment?.status === "FINALIZED") ? true : undefined;
        }, 60_000);

        // The payer saw every payment's four steps, the payee every payment arrive: nothing lost.
        const payerEvents = byPayment(await sent.waitFor(1 + 30 * 4, 30_000));
        expect(payerEvents.ordered).toBe(true);
        for (const id of ids)
          expect(payerEvents.types.get(id)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
        const payeeEvents = await received.waitFor(30, 30_000);
        expect(payeeEvents.every((event) => event.paymentEvents.type === "RECEIVED")).toBe(true);
        expect(new Set(payeeEvents.map((event) => event.paymentEvents.payment.id)).size).toBe(30);
        expect(await balancesOf(follower.client(payee.apiKey), [to])).toEqual(["30"]);
      } finally {
        sent.stop();
        received.stop();
        await payerSocket.dispose();
        await payeeSocket.dispose();
      }
    }, 180_000);

    test("Redis restarts: subscribers on every replica recover from their cursor and miss nothing", async () => {
      const redis = await startPrivateRedis();
      try {
        cluster = await startCluster({ redisUrl: redis.url });
        const a = await cluster.startReplica("A");
        const b = await cluster.startReplica("B");
        const payer = await createTenant(a, "payer");
        const payee = await createTenant(a, "payee");
        const [from] = await refchainAccounts(a.client(payer.apiKey), 1, "100");
        const [to] = await refchainAccounts(a.client(payee.apiKey), 1);
        if (!from || !to) throw new Error("accounts missing");

        const socket = b.client(payee.apiKey).ws();
        const received = collect<PaymentEvent>(socket, EVENTS, { accountId: to.id });
        try {
          const pay = (key: string) =>
            sendPayment(a.client(payer.apiKey), {
              fromAccountId: from.id,
              to: { address: to.address },
              amount: "2",
              idempotencyKey: key,
            });
          expect((await pay("before")).errors).toBeUndefined();
          const [before] = await received.waitFor(1);
          expect(before?.paymentEvents.type).toBe("RECEIVED");

          // Redis goes away (everything in it is lost). Meanwhile the tracker records two faucet
          // transfers to the payee (no Redis needed): their notifications are lost, only the log has
          // them. Payments sent meanwhile wait for their send lock.
          await redis.stop();
          const during = [pay("during-1"), pay("during-2")];
          await Promise.all(
            ["0.5", "0.25"].map((amount) => a.client(payee.apiKey).data(FUND, { accountId: to.id, amount })),
          );
          // Recorded while Redis is away, as long as the leader's lease has not run out (it stops
          // renewing after 4 s). On a machine too loaded for that they are recorded once Redis is back,
          // and must arrive all the same.
          const recordedDuringOutage = await eventually(async () => {
            const { account } = await a
              .client(payee.apiKey)
              .data<{ account: { payments: { edges: unknown[] } } }>(
                "query ($id: ID!) { account(id: $id) { payments(first: 10) { edges { cursor } } } }",
                { id: to.id },
              );
            return account.payments.edges.length === 3 ? true : undefined;
          }, 3_000).catch(() => false);
          if (!recordedDuringOutage)
            console.log("Redis restart test: the faucet transfers were recorded after Redis came back");
          await redis.start();
          const replies = await Promise.all(during);
          for (const reply of replies) expect(reply.errors).toBeUndefined();
          expect((await pay("after")).errors).toBeUndefined();

          // The subscription on B never closed, and got all six payments, each once, in cursor order.
          const events = await received.waitFor(6, 60_000);
          const seen = byPayment(events);
          expect(seen.ordered).toBe(true);
          expect(seen.types.size).toBe(6);
          for (const types of seen.types.values()) expect(types).toEqual(["RECEIVED"]);
          expect(await balancesOf(b.client(payee.apiKey), [to])).toEqual(["8.75"]);
        } finally {
          received.stop();
          await socket.dispose();
        }
      } finally {
        await cluster?.close();
        cluster = undefined;
        await redis.stop();
      }
    }, 180_000);
  });
}
