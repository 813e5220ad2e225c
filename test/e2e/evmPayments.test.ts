import { type Address, erc20Abi, formatEther, type Hash, parseEther, parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ANVIL_DEV_ADDRESS_0, type Anvil, startAnvil } from "../support/evm/anvil.ts";
import { deployTestToken } from "../support/evm/deployTestToken.ts";
import { type DevWallet, devWallet, mine } from "../support/evm/devWallet.ts";
import { ANVIL_CHAIN, evmGatewayEnv } from "./support/evmGatewayEnv.ts";
import {
  IN_A_BLOCK,
  paymentReaching,
  paymentsOf,
  paymentsWhen,
  watchPaymentEvents,
} from "./support/paymentQueries.ts";
import { expectNoSubnetOfTokens, sendRefused } from "./support/refusals.ts";
import {
  type Account,
  balancesOf,
  createAccount,
  FUND,
  send,
  subnetAssetsOf,
  type Tenant,
} from "./support/scenario.ts";
import { type SubnetPair, startGatewayWithTenantPair, subnetPair } from "./support/tenantPair.ts";
import type { TestGateway } from "./support/testGateway.ts";

// Payments on a real anvil (automine: one block per transaction, none otherwise) through a real
// gateway: native ETH and an ERC-20, across tenants, from outside wallets, refused input, and a burst.

/** Confirmations to FINALIZED: the including block and one more (mined on purpose below). */
const FINALITY_DEPTH = 2;
const TOKEN_DECIMALS = 6;
/** The decimals of every asset an account here holds, by symbol. */
const DECIMALS = { ETH: 18, USDT: TOKEN_DECIMALS };

describe("payments on an EVM chain (anvil), end to end through GraphQL", () => {
  let anvil: Anvil;
  let gateway: TestGateway;
  let wallet: DevWallet;
  let token: Address;
  let a: Tenant;
  let b: Tenant;
  let ethSubnets: SubnetPair;
  let usdtSubnets: SubnetPair;

  /** Waits for the receipt: anvil may answer the send before its block is readable. */
  const mined = async (hash: Hash) => {
    const receipt = await wallet.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };

  const sendEthFromWallet = async (to: string, ether: string) =>
    mined(await wallet.sendTransaction({ to: to as Address, value: parseEther(ether), chain: null }));

  const sendTokenFromWallet = async (to: string, amount: string) =>
    mined(
      await wallet.writeContract({
        address: token,
        abi: erc20Abi,
        functionName: "transfer",
        args: [to as Address, parseUnits(amount, TOKEN_DECIMALS)],
        chain: null,
      }),
    );

  /** Tenant A pays `amount` from `payer` to `payee`'s address: accepted, and SUBMITTED. */
  async function submitted(payer: Account, payee: Account, amount: string, idempotencyKey: string) {
    const response = await send(a, {
      fromAccountId: payer.id,
      to: { address: payee.address },
      amount,
      idempotencyKey,
    });
    expect(response.errors).toBeUndefined();
    const sent = response.data?.sendPayment.payment;
    if (!sent) throw new Error("no payment");
    expect(sent.status).toBe("SUBMITTED");
    return sent;
  }

  beforeAll(async () => {
    anvil = await startAnvil();
    wallet = devWallet(anvil.url);
    // Deployed with dev key 0, which keeps the supply: the gateway's faucet pays tokens from it.
    ({ address: token } = await deployTestToken({
      rpcUrl: anvil.url,
      symbol: "USDT",
      decimals: TOKEN_DECIMALS,
      supply: parseUnits("1000000", TOKEN_DECIMALS),
    }));
    ({ gateway, a, b } = await startGatewayWithTenantPair(evmGatewayEnv(anvil.url, FINALITY_DEPTH)));
    ethSubnets = await subnetPair({ a, b }, ANVIL_CHAIN, "ETH");
    usdtSubnets = await subnetPair({ a, b }, ANVIL_CHAIN, "USDT", token);
  });
  afterAll(async () => {
    await gateway?.close();
    await anvil?.stop();
  });

  test("the subnets' assets: ETH (18 decimals) and the ERC-20 as the contract describes it", async () => {
    const assetOf = await subnetAssetsOf(a);
    expect(assetOf(ethSubnets.a.id)).toEqual({ kind: "NATIVE", symbol: "ETH", decimals: 18, address: null });
    expect(assetOf(usdtSubnets.a.id)).toEqual({
      kind: "TOKEN",
      symbol: "USDT",
      decimals: TOKEN_DECIMALS,
      address: token,
    });
  });

  test("ETH from tenant A to tenant B's address: B gets RECEIVED, A's payment is CONFIRMED then FINALIZED with its fee, balances exact", async () => {
    const { payer, payee } = await ethSubnets.accounts();
    expect(payer.custody).toBe("MANAGED");
    expect(payer.address).toMatch(/^0x[0-9a-fA-F]{40}$/);

    const funded = await a.data<{ fundAccount: { txHash: string; amount: string } }>(FUND, {
      accountId: payer.id,
      amount: "10",
    });
    expect(funded.fundAccount.amount).toBe("10");
    expect((await balancesOf(a, payer.id, DECIMALS)).get("ETH")).toBe(parseEther("10"));

    const events = watchPaymentEvents(b, payee.id);
    try {
      const sent = await submitted(payer, payee, "1.25", "eth-1");
      expect(sent.txHash).toMatch(/^0x[0-9a-f]{64}$/i);

      const received = await events.eventOfType("RECEIVED");
      expect(received.payment).toMatchObject({
        amount: "1.25",
        direction: "INCOMING",
        from: { address: payer.address },
        to: { address: payee.address },
      });
      expect(received.payment.txHash?.toLowerCase()).toBe(sent.txHash?.toLowerCase());

      const confirmed = await paymentReaching(a, sent.id, "CONFIRMED");
      const receipt = await mined(sent.txHash as Hash);
      expect(BigInt(confirmed.blockHeight ?? -1)).toBe(receipt.blockNumber);
      expect(confirmed.confirmations).toBe(1);
      // One more block makes the second confirmation, and with depth 2 the payment is final.
      await mine(wallet);
      const finalized = await paymentReaching(a, sent.id, "FINALIZED");
      expect(finalized.confirmations).toBeGreaterThanOrEqual(FINALITY_DEPTH);
      await events.eventOfType("FINALIZED");

      // The fee: gas used × effective gas price, an Amount of ETH (a decimal string, never a number).
      expect(finalized.fee).toMatch(/^\d+(\.\d+)?$/);
      const fee = parseEther(finalized.fee ?? "0");
      expect(fee).toBeGreaterThan(0n);
      expect(fee).toBe(receipt.gasUsed * receipt.effectiveGasPrice);

      expect((await balancesOf(a, payer.id, DECIMALS)).get("ETH")).toBe(
        parseEther("10") - parseEther("1.25") - fee,
      );
      expect((await balancesOf(b, payee.id, DECIMALS)).get("ETH")).toBe(parseEther("1.25"));
      expect(await wallet.getBalance({ address: payee.address as Address })).toBe(parseEther("1.25"));

      const incoming = await paymentsOf(b, payee.id, "INCOMING");
      expect(incoming).toHaveLength(1);
      expect(incoming[0]).toMatchObject({
        amount: "1.25",
        status: "FINALIZED",
        from: { address: payer.address },
      });
    } finally {
      await events.close();
    }
  });

  test("an ERC-20 from tenant A to tenant B: token amounts exact, the fee paid in ETH from the sender's ETH", async () => {
    const { payer, payee } = await usdtSubnets.accounts("token");

    await a.data(FUND, { accountId: payer.id, amount: "500" });
    // fundAccount gives a token subnet's account its token only, but the fee of a token transfer is
    // paid in ETH: the account's address gets ETH like any address does, here from an outside wallet
    // (anvil's dev account 0). A plain ETH transfer to a token subnet's account is no payment of it.
    await sendEthFromWallet(payer.address, "1");
    const before = await balancesOf(a, payer.id, DECIMALS);
    expect(before.get("USDT")).toBe(parseUnits("500", TOKEN_DECIMALS));
    expect(before.get("ETH")).toBe(parseEther("1"));

    const events = watchPaymentEvents(b, payee.id);
    try {
      const sent = await submitted(payer, payee, "12.5", "usdt-1");

      const received = await events.eventOfType("RECEIVED");
      expect(received.payment).toMatchObject({
        amount: "12.5",
        direction: "INCOMING",
        from: { address: payer.address },
      });

      await paymentReaching(a, sent.id, IN_A_BLOCK);
      await mine(wallet);
      const finalized = await paymentReaching(a, sent.id, "FINALIZED");
      const receipt = await mined(sent.txHash as Hash);
      const fee = parseEther(finalized.fee ?? "0");
      expect(fee).toBeGreaterThan(0n);
      expect(fee).toBe(receipt.gasUsed * receipt.effectiveGasPrice);

      const after = await balancesOf(a, payer.id, DECIMALS);
      expect(after.get("USDT")).toBe(parseUnits("487.5", TOKEN_DECIMALS));
      expect(after.get("ETH")).toBe(parseEther("1") - fee);
      const payeeBalances = await balancesOf(b, payee.id, DECIMALS);
      expect(payeeBalances.get("USDT")).toBe(parseUnits("12.5", TOKEN_DECIMALS));
      expect(payeeBalances.get("ETH")).toBe(0n);
      expect(
        await wallet.readContract({
          address: token,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [payee.address as Address],
        }),
      ).toBe(parseUnits("12.5", TOKEN_DECIMALS));
    } finally {
      await events.close();
    }
  });

  test("transfers sent straight from an outside wallet (ETH, and ERC-20 transfer()) appear as RECEIVED with their amount and sender", async () => {
    const ethPayee = await createAccount(b, ethSubnets.b.id, { label: "from outside, ETH" });
    const tokenPayee = await createAccount(b, usdtSubnets.b.id, { label: "from outside, USDT" });
    const ethEvents = watchPaymentEvents(b, ethPayee.id);
    const tokenEvents = watchPaymentEvents(b, tokenPayee.id);
    try {
      const ethReceipt = await sendEthFromWallet(ethPayee.address, "0.5");
      const tokenReceipt = await sendTokenFromWallet(tokenPayee.address, "7.25");

      const eth = await ethEvents.eventOfType("RECEIVED", ethReceipt.transactionHash);
      expect(eth.payment).toMatchObject({
        amount: "0.5",
        direction: "INCOMING",
        from: { address: ANVIL_DEV_ADDRESS_0 },
        to: { address: ethPayee.address },
      });
      const usdt = await tokenEvents.eventOfType("RECEIVED", tokenReceipt.transactionHash);
      expect(usdt.payment).toMatchObject({
        amount: "7.25",
        direction: "INCOMING",
        from: { address: ANVIL_DEV_ADDRESS_0 },
        to: { address: tokenPayee.address },
      });
      // The ETH transfer is no payment of the token account, and the other way round.
      expect(ethEvents.events().map((event) => event.payment.txHash)).not.toContain(
        tokenReceipt.transactionHash,
      );
      expect(tokenEvents.events().map((event) => event.payment.txHash)).not.toContain(
        ethReceipt.transactionHash,
      );

      await mine(wallet);
      await paymentReaching(b, eth.payment.id, "FINALIZED");
      await paymentReaching(b, usdt.payment.id, "FINALIZED");
      expect((await balancesOf(b, ethPayee.id, DECIMALS)).get("ETH")).toBe(parseEther("0.5"));
      expect((await balancesOf(b, tokenPayee.id, DECIMALS)).get("USDT")).toBe(
        parseUnits("7.25", TOKEN_DECIMALS),
      );
      expect(await paymentsOf(b, ethPayee.id, "INCOMING")).toHaveLength(1);
      expect(await paymentsOf(b, tokenPayee.id, "INCOMING")).toHaveLength(1);
    } finally {
      await ethEvents.close();
      await tokenEvents.close();
    }
  });

  describe("bad input: a coded error, and nothing sent or created", () => {
    let payer: Account;
    let payee: Account;
    beforeAll(async () => {
      ({ payer, payee } = await ethSubnets.accounts("careful"));
      await a.data(FUND, { accountId: payer.id, amount: "1" });
    });

    /** Sends `input` and checks it was refused with `code` and that the payer's chain state and history did not move. */
    async function refused(input: Record<string, unknown>, code: string) {
      const nonce = await wallet.getTransactionCount({ address: payer.address as Address });
      const balance = await wallet.getBalance({ address: payer.address as Address });
      const refusal = await sendRefused(a, payer, payee, input, code);
      expect(await wallet.getTransactionCount({ address: payer.address as Address })).toBe(nonce);
      expect(
        await wallet.getTransactionCount({ address: payer.address as Address, blockTag: "pending" }),
      ).toBe(nonce);
      expect(await wallet.getBalance({ address: payer.address as Address })).toBe(balance);
      expect(await paymentsOf(a, payer.id, "OUTGOING")).toEqual([]);
      return refusal;
    }

    test("an EIP-55 address with a wrong checksum in to.address is BAD_USER_INPUT", async () => {
      // Flip the case of the first letter: still the same 20 bytes, but the checksum no longer matches.
      const at = payee.address.slice(2).search(/[a-fA-F]/) + 2;
      const letter = payee.address[at] as string;
      const flipped = letter === letter.toUpperCase() ? letter.toLowerCase() : letter.toUpperCase();
      const wrong = `${payee.address.slice(0, at)}${flipped}${payee.address.slice(at + 1)}`;
      expect(wrong.toLowerCase()).toBe(payee.address.toLowerCase());
      expect(wrong).not.toBe(payee.address);
      const { field } = await refused({ to: { address: wrong } }, "BAD_USER_INPUT");
      expect(field).toBe("to.address");
      expect(await wallet.getBalance({ address: payee.address as Address })).toBe(0n);
    });

    test("a memo is refused: the chain carries none", async () => {
      // DESIGN.md: UNSUPPORTED is "a capability the chain lacks" (the chain reports maxMemoBytes 0).
      await refused({ memo: "invoice 42" }, "UNSUPPORTED");
    });

    test("asset.token naming no ERC-20 contract (an account without code, a random address) is BAD_USER_INPUT", async () => {
      await expectNoSubnetOfTokens(a, ANVIL_CHAIN, [
        ANVIL_DEV_ADDRESS_0,
        privateKeyToAccount(generatePrivateKey()).address,
      ]);
    });
  });

  test("100 concurrent sendPayment calls from one account: consecutive nonces, all FINALIZED, the receiver paid exactly the sum", async () => {
    const PAYMENTS = 100;
    const { payer, payee } = await ethSubnets.accounts("burst");
    await a.data(FUND, { accountId: payer.id, amount: "10" });
    const firstNonce = await wallet.getTransactionCount({ address: payer.address as Address });

    // Distinct amounts (0.001, 0.002, … 0.1 ETH) so a payment paid twice or lost shows in the sum.
    const amounts = Array.from({ length: PAYMENTS }, (_, i) =>
      formatEther(parseEther("0.001") * BigInt(i + 1)),
    );
    const responses = await Promise.all(
      amounts.map((amount, i) =>
        send(a, {
          fromAccountId: payer.id,
          to: { address: payee.address },
          amount,
          idempotencyKey: `burst-${i}`,
        }),
      ),
    );
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const sent = responses.map((response) => response.data?.sendPayment.payment);
    expect(new Set(sent.map((payment) => payment?.id)).size).toBe(PAYMENTS);
    expect(sent.every((payment) => payment?.status === "SUBMITTED" && payment.txHash)).toBe(true);

    // Automine puts each transaction in its own block; one more block makes the last one final.
    await paymentsWhen(
      a,
      payer.id,
      "OUTGOING",
      (outgoing) =>
        outgoing.length === PAYMENTS && outgoing.every((payment) => IN_A_BLOCK.includes(payment.status)),
    );
    await mine(wallet);
    const outgoing = await paymentsWhen(a, payer.id, "OUTGOING", (all) =>
      all.every((payment) => payment.status === "FINALIZED"),
    );
    expect(outgoing).toHaveLength(PAYMENTS);

    const transactions = await Promise.all(
      outgoing.map((payment) => wallet.getTransaction({ hash: payment.txHash as Hash })),
    );
    const nonces = transactions.map((transaction) => transaction.nonce).sort((x, y) => x - y);
    expect(nonces).toEqual(Array.from({ length: PAYMENTS }, (_, i) => firstNonce + i));
    expect(
      transactions.every((transaction) => transaction.from.toLowerCase() === payer.address.toLowerCase()),
    ).toBe(true);
    expect(await wallet.getTransactionCount({ address: payer.address as Address })).toBe(
      firstNonce + PAYMENTS,
    );

    const total = amounts.reduce((sum, amount) => sum + parseEther(amount), 0n);
    const fees = outgoing.reduce((sum, payment) => sum + parseEther(payment.fee ?? "0"), 0n);
    expect(outgoing.every((payment) => payment.fee !== null && parseEther(payment.fee) > 0n)).toBe(true);
    expect((await balancesOf(b, payee.id, DECIMALS)).get("ETH")).toBe(total);
    expect((await balancesOf(a, payer.id, DECIMALS)).get("ETH")).toBe(parseEther("10") - total - fees);
    const incoming = await paymentsWhen(b, payee.id, "INCOMING", (all) => all.length >= PAYMENTS);
    expect(incoming).toHaveLength(PAYMENTS);
    expect(new Set(incoming.map((payment) => payment.txHash)).size).toBe(PAYMENTS);
  });
});
