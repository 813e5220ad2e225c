import { type Address, formatEther, type Hash, type Hex, parseEther, type TransactionReceipt } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Anvil, startAnvil } from "../support/evm/anvil.ts";
import {
  type AnvilRequest,
  anvilRequest,
  type DevWallet,
  devWallet,
  mine,
} from "../support/evm/devWallet.ts";
import { ANVIL_CHAIN, evmGatewayEnv } from "./support/evmGatewayEnv.ts";
import {
  IN_A_BLOCK,
  paymentReaching,
  paymentsOf,
  paymentWhen,
  watchPaymentEvents,
} from "./support/paymentQueries.ts";
import { balanceOf, FUND, send, type Tenant } from "./support/scenario.ts";
import { type SubnetPair, startGatewayWithTenantPair, subnetPair } from "./support/tenantPair.ts";
import type { TestGateway } from "./support/testGateway.ts";

// Reorgs on a real anvil through a real gateway. anvil_reorg(depth, [[rawTx, blockOffset], …]) drops
// the top `depth` blocks and mines `depth` new ones in their place (same height, new hashes), with
// the given transactions at the given offsets from the first new block; any other transaction of the
// dropped blocks is gone, from the chain and from the mempool.

/** Deep enough that nothing is FINALIZED before the reorg: blocks are mined here on purpose only. */
const FINALITY_DEPTH = 6;

describe("reorgs on an EVM chain (anvil_reorg), end to end through GraphQL", () => {
  let anvil: Anvil;
  let gateway: TestGateway;
  let wallet: DevWallet;
  let anvilCall: AnvilRequest;
  let a: Tenant;
  let b: Tenant;
  let ethSubnets: SubnetPair;

  const head = async () => (await wallet.getBlock({ blockTag: "latest" })).number;

  /**
   * A payment of `amount` ETH from a funded account of tenant A to a new account of tenant B, CONFIRMED
   * and then buried under two more blocks, as seen by both tenants' subscriptions.
   */
  async function confirmedPayment(amount: string, key: string) {
    const { payer, payee } = await ethSubnets.accounts(key);
    await a.data(FUND, { accountId: payer.id, amount: "10" });
    const sent = watchPaymentEvents(a, payer.id);
    const received = watchPaymentEvents(b, payee.id);

    const response = await send(a, {
      fromAccountId: payer.id,
      to: { address: payee.address },
      amount,
      idempotencyKey: key,
    });
    expect(response.errors).toBeUndefined();
    const id = response.data?.sendPayment.payment.id as string;
    const confirmed = await paymentReaching(a, id, "CONFIRMED");
    const receipt = await wallet.waitForTransactionReceipt({ hash: confirmed.txHash as Hash });
    expect(BigInt(confirmed.blockHeight ?? -1)).toBe(receipt.blockNumber);
    // The raw bytes, read before the reorg takes the transaction away.
    const raw = await anvilCall<Hex>("eth_getRawTransactionByHash", [confirmed.txHash]);
    expect(raw).toMatch(/^0x02/); // EIP-1559

    await mine(wallet, 2);
    // The gateway has applied block N+2 (three confirmations): the reorg replaces blocks it knows.
    await paymentWhen(a, id, (payment) => payment.confirmations === 3);
    const incomingId = (await received.eventOfType("RECEIVED")).payment.id;
    return {
      amount,
      payer,
      payee,
      id,
      incomingId,
      receipt,
      raw,
      sent,
      received,
      close: async () => {
        await sent.close();
        await received.close();
      },
    };
  }

  /**
   * After a reorg: finalizes the payment and checks it was paid once. One transaction, one INCOMING
   * payment, the amount once; the payer down by the amount and the fee of `receipt`'s block (the one
   * that holds the transaction now), which is also the fee the payment shows, not the fee of the block
   * the reorg replaced. Returns the FINALIZED payment.
   */
  async function finalizedAndPaidOnce(
    story: Awaited<ReturnType<typeof confirmedPayment>>,
    receipt: TransactionReceipt,
  ) {
    await mine(wallet, FINALITY_DEPTH);
    const finalized = await paymentReaching(a, story.id, "FINALIZED");
    await paymentReaching(b, story.incomingId, "FINALIZED");
    expect(await paymentsOf(b, story.payee.id, "INCOMING")).toMatchObject([
      {
        id: story.incomingId,
        status: "FINALIZED",
        amount: story.amount,
        txHash: story.receipt.transactionHash,
      },
    ]);
    expect(await balanceOf(b, story.payee.id)).toBe(story.amount);
    const fee = receipt.gasUsed * receipt.effectiveGasPrice;
    expect(await wallet.getBalance({ address: story.payer.address as Address })).toBe(
      parseEther("10") - parseEther(story.amount) - fee,
    );
    expect(await wallet.getTransactionCount({ address: story.payer.address as Address })).toBe(1);
    expect(finalized.fee).toBe(formatEther(fee));
    return finalized;
  }

  beforeAll(async () => {
    anvil = await startAnvil();
    wallet = devWallet(anvil.url);
    anvilCall = anvilRequest(wallet);
    ({ gateway, a, b } = await startGatewayWithTenantPair(evmGatewayEnv(anvil.url, FINALITY_DEPTH)));
    ethSubnets = await subnetPair({ a, b }, ANVIL_CHAIN, "ETH");
  });
  afterAll(async () => {
    await gateway?.close();
    await anvil?.stop();
  });

  test("a reorg that puts the transaction in another block: REORGED, SUBMITTED, CONFIRMED again in the new block, FINALIZED; the receiver paid once", async () => {
    const story = await confirmedPayment("1", "reorg-reincluded");
    try {
      const blockN = story.receipt.blockNumber;
      const top = await head();
      expect(top).toBe(blockN + 2n);

      // Blocks N, N+1 and N+2 are replaced; the same signed transaction lands in the new N+1.
      await anvilCall("anvil_reorg", [Number(top - blockN + 1n), [[story.raw, 1]]]);
      expect(await head()).toBe(top);
      const again = await wallet.getTransactionReceipt({ hash: story.receipt.transactionHash });
      expect(again.blockNumber).toBe(blockN + 1n);
      expect(again.blockHash).not.toBe(story.receipt.blockHash);

      // The sender's payment goes back, then forward in its new block.
      const reconfirmed = await paymentWhen(
        a,
        story.id,
        (payment) => payment.status === "CONFIRMED" && payment.blockHeight === String(blockN + 1n),
      );
      expect(reconfirmed.txHash).toBe(story.receipt.transactionHash);
      await story.sent.historyReaching(story.id, 5);
      expect(story.sent.historyOf(story.id)).toEqual([
        { type: "CREATED", status: "PENDING", blockHeight: null },
        { type: "SUBMITTED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN) },
        { type: "REORGED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN + 1n) },
      ]);

      // The receiver's side moves the same way: one INCOMING payment, taken out and put back.
      await story.received.historyReaching(story.incomingId, 3);
      expect(story.received.historyOf(story.incomingId)).toEqual([
        { type: "RECEIVED", status: "CONFIRMED", blockHeight: String(blockN) },
        { type: "REORGED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN + 1n) },
      ]);

      const finalized = await finalizedAndPaidOnce(story, again);
      expect(finalized.blockHeight).toBe(String(blockN + 1n));
      expect(await wallet.getBalance({ address: story.payee.address as Address })).toBe(parseEther("1"));
    } finally {
      await story.close();
    }
  });

  test("a reorg that drops the transaction (from the chain and anvil's mempool): the gateway re-broadcasts the same bytes, the payment is CONFIRMED again and FINALIZED, the receiver paid once", async () => {
    const story = await confirmedPayment("2", "reorg-dropped");
    try {
      const blockN = story.receipt.blockNumber;
      const top = await head();
      await anvilCall("anvil_reorg", [Number(top - blockN + 1n), []]);
      // Gone: no receipt, no transaction, nothing pending, nothing paid.
      expect(await anvilCall("eth_getTransactionByHash", [story.receipt.transactionHash])).toBeNull();
      expect(await wallet.getBalance({ address: story.payee.address as Address })).toBe(0n);
      expect(
        await wallet.getTransactionCount({ address: story.payer.address as Address, blockTag: "pending" }),
      ).toBe(0);

      const reorged = await story.sent.eventOfType("REORGED");
      expect(reorged.payment).toMatchObject({ id: story.id, status: "SUBMITTED", blockHeight: null });

      // The same stored bytes go out again (automine puts them in a block at once): same hash, same nonce.
      const reconfirmed = await paymentReaching(a, story.id, IN_A_BLOCK);
      expect(reconfirmed.txHash).toBe(story.receipt.transactionHash);
      const again = await wallet.getTransactionReceipt({ hash: story.receipt.transactionHash });
      expect(again.blockHash).not.toBe(story.receipt.blockHash);
      expect(reconfirmed.blockHeight).toBe(String(again.blockNumber));
      expect(await anvilCall<Hex>("eth_getRawTransactionByHash", [story.receipt.transactionHash])).toBe(
        story.raw,
      );

      await story.sent.historyReaching(story.id, 5);
      expect(story.sent.historyOf(story.id).map((event) => event.type)).toEqual([
        "CREATED",
        "SUBMITTED",
        "CONFIRMED",
        "REORGED",
        "CONFIRMED",
      ]);

      // The fee shown is the one of the block that holds the transaction now, not of the one the reorg
      // replaced (the base fee moved in between, so the two differ).
      await finalizedAndPaidOnce(story, again);
    } finally {
      await story.close();
    }
  });
});
