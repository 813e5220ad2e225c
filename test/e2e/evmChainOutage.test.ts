import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createPublicClient, type Hash, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Anvil, restartAnvil, startAnvil } from "../support/evm/anvil.ts";
import { anvilRequest } from "../support/evm/devWallet.ts";
import { ANVIL_CHAIN, evmGatewayEnv } from "./support/evmGatewayEnv.ts";
import { codesOf, eventually, type GraphQLTestClient } from "./support/graphqlTestClient.ts";
import {
  IN_A_BLOCK,
  paymentOf,
  paymentReaching,
  paymentsOf,
  paymentsWhen,
} from "./support/paymentQueries.ts";
import { type Account, balanceOf, FUND, send, type Tenant } from "./support/scenario.ts";
import { startGatewayWithTenantPair, subnetPair } from "./support/tenantPair.ts";
import type { TestGateway } from "./support/testGateway.ts";

// The EVM node goes away while payments are in flight and comes back: anvil mining a block a second,
// saving its chain to a state file when stopped gracefully (SIGTERM) and loading it on restart, but
// never its mempool. The gateway answers CHAIN_UNAVAILABLE meanwhile, reports the chain unhealthy,
// and afterwards gets the lost transactions on chain by sending their stored bytes again: the tracker
// re-sends a stored transaction once it has sat unchanged for 30 s, so this test takes ~40 s.

const CHAINS = "{ chains { id healthy head } }";

const chainOf = async (client: GraphQLTestClient) => {
  const { chains } = await client.data<{ chains: { id: string; healthy: boolean; head: string | null }[] }>(
    CHAINS,
  );
  const chain = chains.find((each) => each.id === ANVIL_CHAIN);
  if (!chain) throw new Error(`${ANVIL_CHAIN} is not among the gateway's chains`);
  return chain;
};

describe("the EVM node stops and comes back while payments are in flight", () => {
  let directory: string;
  let anvil: Anvil;
  let gateway: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let payer: Account;
  let payee: Account;

  const chainClient = () => createPublicClient({ transport: http(anvil.url), pollingInterval: 50 });

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "evm-outage-"));
    anvil = await startAnvil({ blockTimeSeconds: 1, stateFile: join(directory, "anvil-state.json") });
    ({ gateway, a, b } = await startGatewayWithTenantPair(evmGatewayEnv(anvil.url, 2)));
    ({ payer, payee } = await (await subnetPair({ a, b }, ANVIL_CHAIN, "ETH")).accounts());
    await a.data(FUND, { accountId: payer.id, amount: "10" });
  });
  afterAll(async () => {
    await gateway?.close();
    await anvil?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  test("in-flight payments survive the node's restart without its mempool: CHAIN_UNAVAILABLE and unhealthy meanwhile, then every payment CONFIRMED once", {
    timeout: 120_000,
  }, async () => {
    const pay = (amount: string, idempotencyKey: string) =>
      send(a, { fromAccountId: payer.id, to: { address: payee.address }, amount, idempotencyKey });
    const sentOk = async (amount: string, idempotencyKey: string) => {
      const response = await pay(amount, idempotencyKey);
      expect(response.errors, idempotencyKey).toBeUndefined();
      const payment = response.data?.sendPayment.payment;
      expect(payment?.status).toBe("SUBMITTED");
      return payment as { id: string; txHash: string };
    };

    expect((await chainOf(a)).healthy).toBe(true);

    // 1. Payments that make it into blocks before the outage.
    const landed = [await sentOk("0.1", "before-1"), await sentOk("0.2", "before-2")];
    for (const payment of landed) await paymentReaching(a, payment.id, IN_A_BLOCK);

    // 2. Payments in flight: mining is paused so they are certainly still in the mempool when the node
    // stops (a block every second would otherwise race the stop). The restart mines again (--block-time).
    await anvilRequest(anvil.url)("evm_setIntervalMining", [0]);
    const inFlight = [
      await sentOk("0.3", "in-flight-1"),
      await sentOk("0.4", "in-flight-2"),
      await sentOk("0.5", "in-flight-3"),
    ];
    const chain = chainClient();
    expect(await chain.getTransactionCount({ address: payer.address as Address, blockTag: "pending" })).toBe(
      5,
    );
    expect(await chain.getTransactionCount({ address: payer.address as Address })).toBe(2);

    // 3. The node stops gracefully: its chain is saved, its mempool lost.
    const url = anvil.url;
    await anvil.stop();
    const refused = await pay("0.6", "during-outage");
    // Soft: a wrong code must not hide whether the recovery below works.
    expect.soft(codesOf(refused), JSON.stringify(refused.errors)).toEqual(["CHAIN_UNAVAILABLE"]);
    await eventually(async () => ((await chainOf(a)).healthy ? undefined : true));
    expect((await chainOf(a)).head).toBeNull();
    for (const payment of inFlight) expect((await paymentOf(a, payment.id)).status).toBe("SUBMITTED");
    // A refused request records nothing: its key is free.
    expect(
      (await paymentsOf(a, payer.id, "OUTGOING")).map((payment) => payment.idempotencyKey),
    ).not.toContain("during-outage");

    // 4. The node comes back on the same URL with the saved chain and an empty mempool.
    anvil = await restartAnvil(anvil);
    expect(anvil.url).toBe(url);
    expect(
      await chainClient().getTransactionCount({ address: payer.address as Address, blockTag: "pending" }),
    ).toBe(2);
    await eventually(async () => ((await chainOf(a)).healthy ? true : undefined), 30_000);
    // The request refused during the outage, sent again with the same key, now goes through.
    const retried = await sentOk("0.6", "during-outage");

    // 5. Every payment ends on chain: the lost ones as their stored bytes, re-sent once stale.
    for (const payment of [...inFlight, retried]) await paymentReaching(a, payment.id, IN_A_BLOCK, 90_000);
    const all = await paymentsWhen(a, payer.id, "OUTGOING", (payments) =>
      payments.every((payment) => IN_A_BLOCK.includes(payment.status)),
    );
    expect(all.map((payment) => payment.idempotencyKey).sort()).toEqual(
      ["before-1", "before-2", "in-flight-1", "in-flight-2", "in-flight-3", "during-outage"].sort(),
    );
    for (const payment of inFlight) {
      const after = all.find((each) => each.id === payment.id);
      expect(after?.txHash, "re-sent as the same transaction").toBe(payment.txHash);
    }

    // 6. None sent twice: one transaction per payment, the payee holds exactly the sum.
    const onChain = chainClient();
    const receipts = await Promise.all(
      all.map((payment) => onChain.getTransactionReceipt({ hash: payment.txHash as Hash })),
    );
    expect(receipts.every((receipt) => receipt.status === "success")).toBe(true);
    expect(await onChain.getTransactionCount({ address: payer.address as Address })).toBe(all.length);
    const total = all.reduce((sum, payment) => sum + parseEther(payment.amount), 0n);
    expect(total).toBe(parseEther("2.1"));
    expect(await onChain.getBalance({ address: payee.address as Address })).toBe(total);
    expect(parseEther(await balanceOf(b, payee.id))).toBe(total);
  });
});
