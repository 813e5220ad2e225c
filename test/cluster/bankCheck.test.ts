import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually, type GraphQLTestClient } from "../e2e/support/graphqlTestClient.ts";
import { baseUnits } from "../e2e/support/scenario.ts";
import { clusterServicesMissing } from "../support/clusterServices.ts";
import { requireClusterServices } from "../support/requireServices.ts";
import { type Cluster, createTenant, type Replica, startCluster } from "./support/cluster.ts";
import {
  balancesOf,
  paymentStatus,
  refchainAccounts,
  sendPayment,
  type TestAccount,
} from "./support/refchainAccounts.ts";

// A bank in the style of Jepsen's: 8 accounts, random transfers between them through two replicas
// while a nemesis kills one replica and starts it again. Refchain transfers cost no fee, so every
// read of all balances must sum to what the faucet gave, and no balance may ever go negative.
// Afterwards every acknowledged payment must be there, and each balance must be exactly what the
// finalized payments say: nothing lost, nothing paid twice.

const ACCOUNTS = 8;
const FUNDS = "1000";
const DECIMALS = 9;
const WORKERS = 8;
const RUN_MS = 12_000;

interface Acknowledged {
  id: string;
  from: number;
  to: number;
  amount: bigint;
}

if (requireClusterServices(await clusterServicesMissing(), "bank check")) {
  describe("bank check: transfers through two replicas while one is killed and restarted", () => {
    let cluster: Cluster;
    let replicas: Replica[];
    let apiKey: string;
    let accounts: TestAccount[];

    beforeAll(async () => {
      cluster = await startCluster();
      replicas = [await cluster.startReplica("A"), await cluster.startReplica("B")];
      ({ apiKey } = await createTenant(replicas[0] as Replica, "bank"));
      accounts = await refchainAccounts((replicas[0] as Replica).client(apiKey), ACCOUNTS, FUNDS);
    }, 120_000);
    afterAll(async () => {
      await cluster?.close();
    });

    test("every read sums to the total, none is negative, every acknowledged payment is present and counted once", async () => {
      const total = baseUnits(FUNDS, DECIMALS) * BigInt(ACCOUNTS);
      // Replicas that answer now; the nemesis takes one out and puts a new one in.
      let live: Replica[] = [...replicas];
      const clientOf = () => (live[Math.floor(Math.random() * live.length)] as Replica).client(apiKey);
      const acknowledged: Acknowledged[] = [];
      const reads: bigint[][] = [];
      const refused = new Map<string, number>();
      let stop = false;

      async function worker(number: number): Promise<void> {
        for (let op = 0; !stop; op++) {
          const from = Math.floor(Math.random() * ACCOUNTS);
          const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
          const amount = `${1 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 1000)}`;
          const input = {
            fromAccountId: accounts[from]?.id,
            to: { accountId: accounts[to]?.id },
            amount,
            idempotencyKey: `w${number}-op${op}`,
          };
          // A replica that dies mid-request leaves the outcome unknown: retry with the same key elsewhere
          // (what a client of a payment API does), until some replica answers.
          for (let attempt = 0; attempt < 20; attempt++) {
            let reply: Awaited<ReturnType<typeof sendPayment>>;
            try {
              reply = await sendPayment(clientOf(), input);
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 100));
              continue;
            }
            const code = reply.errors?.[0]?.extensions?.code;
            if (code !== undefined) {
              refused.set(code, (refused.get(code) ?? 0) + 1);
              break;
            }
            const payment = reply.data?.sendPayment.payment;
            if (payment !== undefined)
              acknowledged.push({ id: payment.id, from, to, amount: baseUnits(amount, DECIMALS) });
            break;
          }
        }
      }

      async function reader(): Promise<void> {
        while (!stop) {
          try {
            const balances = await balancesOf(clientOf(), accounts);
            reads.push(balances.map((balance) => baseUnits(balance, DECIMALS)));
          } catch {
            // the replica asked was being killed: read again elsewhere
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }

      async function nemesis(): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, RUN_MS / 4));
        // Kill whichever replica runs the tracker: the harder case.
        const leaderPid = await cluster.trackerLeaderPid();
        const victim = live.find((replica) => replica.process.pid === leaderPid) ?? (live[0] as Replica);
        live = live.filter((replica) => replica !== victim);
        await victim.process.kill("SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, RUN_MS / 4));
        const restarted = await cluster.startReplica(`${victim.name}'`);
        live = [...live, restarted];
      }

      const running = [...Array.from({ length: WORKERS }, (_, number) => worker(number)), reader()];
      await nemesis();
      await new Promise((resolve) => setTimeout(resolve, RUN_MS / 2));
      stop = true;
      await Promise.all(running);

      // Every read of all balances sums to the total; none is negative.
      expect(reads.length).toBeGreaterThan(10);
      const badSums = reads.filter(
        (balances) => balances.reduce((sum, balance) => sum + balance, 0n) !== total,
      );
      expect(badSums).toEqual([]);
      expect(reads.filter((balances) => balances.some((balance) => balance < 0n))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(50);

      // Every acknowledged payment is there and settles.
      const client: GraphQLTestClient = (live[0] as Replica).client(apiKey);
      const settled = await eventually(async () => {
        const statuses = await Promise.all(acknowledged.map((payment) => paymentStatus(client, payment.id)));
        return statuses.every((status) => status?.status === "FINALIZED" || status?.status === "FAILED")
          ? statuses
          : undefined;
      }, 90_000);

      // Each balance is exactly what the finalized payments say: the faucet's funds, less what it
      // sent, plus what it got. A payment made twice, or one lost, breaks this.
      const expected = accounts.map(() => baseUnits(FUNDS, DECIMALS));
      const unique = new Set<string>();
      for (const [index, payment] of acknowledged.entries()) {
        if (unique.has(payment.id)) continue; // the same payment acknowledged to a retry
        unique.add(payment.id);
        if (settled[index]?.status !== "FINALIZED") continue;
        expected[payment.from] = (expected[payment.from] as bigint) - payment.amount;
        expected[payment.to] = (expected[payment.to] as bigint) + payment.amount;
      }
      // The finalized outgoing payments the store holds are exactly the acknowledged ones (none unacknowledged slipped in).
      const final = (await balancesOf(client, accounts)).map((balance) => baseUnits(balance, DECIMALS));
      expect(final).toEqual(expected);
      expect(final.reduce((sum, balance) => sum + balance, 0n)).toBe(total);
      console.log(
        `bank check: ${acknowledged.length} acknowledged (${unique.size} payments), ${reads.length} reads, refused ${JSON.stringify(Object.fromEntries(refused))}`,
      );
    }, 240_000);
  });
}
