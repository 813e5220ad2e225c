import {
  type Address,
  createWalletClient,
  formatEther,
  type Hash,
  type Hex,
  http,
  parseEther,
  publicActions,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ANVIL_DEV_KEY_0, type Anvil, startAnvil } from "../support/evm/anvil.ts";
import { collect, eventually, type GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { createAccount, createSubnet, FUND, send, type Tenant } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// Reorgs on a real anvil through a real gateway. anvil_reorg(depth, [[rawTx, blockOffset], …]) drops
// the top `depth` blocks and mines `depth` new ones in their place (same height, new hashes), with
// the given transactions at the given offsets from the first new block; any other transaction of the
// dropped blocks is gone, from the chain and from the mempool.

const CHAIN = "eip155:31337";
/** Deep enough that nothing is FINALIZED before the reorg: blocks are mined here on purpose only. */
const FINALITY_DEPTH = 6;

const PAYMENT = `query ($id: ID!) {
  payment(id: $id) { id status amount fee txHash blockHeight confirmations }
}`;
const INCOMING = `query ($id: ID!) {
  account(id: $id) { balance payments(first: 10, direction: INCOMING) { edges { node { id status amount txHash } } } }
}`;
const PAYMENT_EVENTS = `subscription ($accountId: ID) {
  paymentEvents(accountId: $accountId, after: "0") {
    cursor type payment { id status direction txHash blockHeight confirmations }
  }
}`;

interface PaymentView {
  id: string;
  status: string;
  amount: string;
  fee: string | null;
  txHash: string;
  blockHeight: string | null;
  confirmations: number;
}
interface EventResult {
  paymentEvents: {
    cursor: string;
    type: string;
    payment: {
      id: string;
      status: string;
      direction: string;
      txHash: string;
      blockHeight: string | null;
      confirmations: number;
    };
  };
}

const paymentOf = async (client: GraphQLTestClient, id: string) =>
  (await client.data<{ payment: PaymentView }>(PAYMENT, { id })).payment;

/** Polls a payment until `done` says so. */
const paymentWhen = (client: GraphQLTestClient, id: string, done: (payment: PaymentView) => boolean) =>
  eventually(async () => {
    const payment = await paymentOf(client, id);
    return done(payment) ? payment : undefined;
  });

/** The events of one payment, as (type, status, blockHeight), in cursor order. */
const historyOf = (events: { items: EventResult[] }, paymentId: string) =>
  events.items
    .map((item) => item.paymentEvents)
    .filter((event) => event.payment.id === paymentId)
    .map((event) => ({
      type: event.type,
      status: event.payment.status,
      blockHeight: event.payment.blockHeight,
    }));

describe("reorgs on an EVM chain (anvil_reorg), end to end through GraphQL", () => {
  let anvil: Anvil;
  let gateway: TestGateway;
  let wallet: ReturnType<typeof walletOf>;
  let a: Tenant;
  let b: Tenant;
  let aSubnet: { id: string };
  let bSubnet: { id: string };

  const walletOf = (url: string) =>
    createWalletClient({
      account: privateKeyToAccount(ANVIL_DEV_KEY_0),
      transport: http(url),
      pollingInterval: 50,
    }).extend(publicActions);

  /** anvil_* methods, which viem's clients do not type. */
  const devCall = <T = unknown>(method: string, params: unknown[]) =>
    (wallet.request as unknown as (call: { method: string; params: unknown[] }) => Promise<T>)({
      method,
      params,
    });
  const mine = (blocks: number) => devCall("anvil_mine", [`0x${blocks.toString(16)}`]);
  const head = async () => (await wallet.getBlock({ blockTag: "latest" })).number;

  /**
   * A payment of `amount` ETH from a funded account of tenant A to a new account of tenant B, CONFIRMED
   * and then buried under two more blocks, as seen by both tenants' subscriptions.
   */
  async function confirmedPayment(amount: string, key: string) {
    const payer = await createAccount(a, aSubnet.id, { label: `payer ${key}` });
    const payee = await createAccount(b, bSubnet.id, { label: `payee ${key}` });
    await a.data(FUND, { accountId: payer.id, amount: "10" });
    const aSocket = a.ws();
    const bSocket = b.ws();
    const sent = collect<EventResult>(aSocket, PAYMENT_EVENTS, { accountId: payer.id });
    const received = collect<EventResult>(bSocket, PAYMENT_EVENTS, { accountId: payee.id });

    const response = await send(a, {
      fromAccountId: payer.id,
      to: { address: payee.address },
      amount,
      idempotencyKey: key,
    });
    expect(response.errors).toBeUndefined();
    const id = response.data?.sendPayment.payment.id as string;
    const confirmed = await paymentWhen(a, id, (payment) => payment.status === "CONFIRMED");
    const receipt = await wallet.waitForTransactionReceipt({ hash: confirmed.txHash as Hash });
    expect(BigInt(confirmed.blockHeight ?? -1)).toBe(receipt.blockNumber);
    // The raw bytes, read before the reorg takes the transaction away.
    const raw = await devCall<Hex>("eth_getRawTransactionByHash", [confirmed.txHash]);
    expect(raw).toMatch(/^0x02/); // EIP-1559

    await mine(2);
    // The gateway has applied block N+2 (three confirmations): the reorg replaces blocks it knows.
    await paymentWhen(a, id, (payment) => payment.confirmations === 3);
    const incomingId = await eventually(
      async () =>
        received.items.find((item) => item.paymentEvents.type === "RECEIVED")?.paymentEvents.payment.id,
    );
    return {
      payer,
      payee,
      id,
      incomingId,
      receipt,
      raw,
      sent,
      received,
      close: async () => {
        sent.stop();
        received.stop();
        await aSocket.dispose();
        await bSocket.dispose();
      },
    };
  }

  beforeAll(async () => {
    anvil = await startAnvil();
    wallet = walletOf(anvil.url);
    gateway = await startTestGateway({
      EVM_RPC_URLS: anvil.url,
      EVM_FINALITY_DEPTHS: `${CHAIN}=${FINALITY_DEPTH}`,
      EVM_POLL_INTERVAL_MS: "20",
    });
    a = await gateway.newTenant("Acme");
    b = await gateway.newTenant("Globex");
    aSubnet = await createSubnet(a, { name: "acme ETH", chainId: CHAIN });
    bSubnet = await createSubnet(b, { name: "globex ETH", chainId: CHAIN });
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
      await devCall("anvil_reorg", [Number(top - blockN + 1n), [[story.raw, 1]]]);
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
      await eventually(async () => (historyOf(story.sent, story.id).length >= 4 ? true : undefined));
      expect(historyOf(story.sent, story.id)).toEqual([
        { type: "CREATED", status: "PENDING", blockHeight: null },
        { type: "SUBMITTED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN) },
        { type: "REORGED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN + 1n) },
      ]);

      // The receiver's side moves the same way: one INCOMING payment, taken out and put back.
      await eventually(async () =>
        historyOf(story.received, story.incomingId).length >= 3 ? true : undefined,
      );
      expect(historyOf(story.received, story.incomingId)).toEqual([
        { type: "RECEIVED", status: "CONFIRMED", blockHeight: String(blockN) },
        { type: "REORGED", status: "SUBMITTED", blockHeight: null },
        { type: "CONFIRMED", status: "CONFIRMED", blockHeight: String(blockN + 1n) },
      ]);

      await mine(FINALITY_DEPTH);
      const finalized = await paymentWhen(a, story.id, (payment) => payment.status === "FINALIZED");
      expect(finalized.blockHeight).toBe(String(blockN + 1n));
      await paymentWhen(b, story.incomingId, (payment) => payment.status === "FINALIZED");

      // Paid once: one transaction, one INCOMING payment, the amount once.
      const { account } = await b.data<{
        account: { balance: string; payments: { edges: { node: Record<string, string> }[] } };
      }>(INCOMING, { id: story.payee.id });
      expect(account.payments.edges.map((edge) => edge.node)).toEqual([
        { id: story.incomingId, status: "FINALIZED", amount: "1", txHash: story.receipt.transactionHash },
      ]);
      expect(account.balance).toBe("1");
      expect(await wallet.getBalance({ address: story.payee.address as Address })).toBe(parseEther("1"));
      // The payer paid once too: the amount and the fee of the block that holds the transaction now.
      const fee = again.gasUsed * again.effectiveGasPrice;
      expect(await wallet.getBalance({ address: story.payer.address as Address })).toBe(
        parseEther("10") - parseEther("1") - fee,
      );
      expect(await wallet.getTransactionCount({ address: story.payer.address as Address })).toBe(1);
      // The fee shown is that block's, not the one of the block the reorg replaced.
      expect(finalized.fee).toBe(formatEther(fee));
    } finally {
      await story.close();
    }
  });

  test("a reorg that drops the transaction (from the chain and anvil's mempool): the gateway re-broadcasts the same bytes, the payment is CONFIRMED again and FINALIZED, the receiver paid once", async () => {
    const story = await confirmedPayment("2", "reorg-dropped");
    try {
      const blockN = story.receipt.blockNumber;
      const top = await head();
      await devCall("anvil_reorg", [Number(top - blockN + 1n), []]);
      // Gone: no receipt, no transaction, nothing pending, nothing paid.
      expect(await devCall("eth_getTransactionByHash", [story.receipt.transactionHash])).toBeNull();
      expect(await wallet.getBalance({ address: story.payee.address as Address })).toBe(0n);
      expect(
        await wallet.getTransactionCount({ address: story.payer.address as Address, blockTag: "pending" }),
      ).toBe(0);

      const reorged = await eventually(async () =>
        story.sent.items.map((item) => item.paymentEvents).find((event) => event.type === "REORGED"),
      );
      expect(reorged.payment).toMatchObject({ id: story.id, status: "SUBMITTED", blockHeight: null });

      // The same stored bytes go out again (automine puts them in a block at once): same hash, same nonce.
      const reconfirmed = await paymentWhen(
        a,
        story.id,
        (payment) => payment.status === "CONFIRMED" || payment.status === "FINALIZED",
      );
      expect(reconfirmed.txHash).toBe(story.receipt.transactionHash);
      const again = await wallet.getTransactionReceipt({ hash: story.receipt.transactionHash });
      expect(again.blockHash).not.toBe(story.receipt.blockHash);
      expect(reconfirmed.blockHeight).toBe(String(again.blockNumber));
      expect(await devCall<Hex>("eth_getRawTransactionByHash", [story.receipt.transactionHash])).toBe(
        story.raw,
      );

      expect(historyOf(story.sent, story.id).map((event) => event.type)).toEqual([
        "CREATED",
        "SUBMITTED",
        "CONFIRMED",
        "REORGED",
        "CONFIRMED",
      ]);

      await mine(FINALITY_DEPTH);
      const finalized = await paymentWhen(a, story.id, (payment) => payment.status === "FINALIZED");
      await paymentWhen(b, story.incomingId, (payment) => payment.status === "FINALIZED");
      const { account } = await b.data<{
        account: { balance: string; payments: { edges: { node: Record<string, string> }[] } };
      }>(INCOMING, { id: story.payee.id });
      expect(account.payments.edges.map((edge) => edge.node)).toEqual([
        { id: story.incomingId, status: "FINALIZED", amount: "2", txHash: story.receipt.transactionHash },
      ]);
      expect(account.balance).toBe("2");
      const fee = again.gasUsed * again.effectiveGasPrice;
      expect(await wallet.getBalance({ address: story.payer.address as Address })).toBe(
        parseEther("10") - parseEther("2") - fee,
      );
      expect(await wallet.getTransactionCount({ address: story.payer.address as Address })).toBe(1);
      // The fee shown is the one of the block that holds the transaction now, not of the one the reorg
      // replaced (the base fee moved in between, so the two differ).
      expect(finalized.fee).toBe(formatEther(fee));
    } finally {
      await story.close();
    }
  });
});
