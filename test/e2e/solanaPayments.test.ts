import { base58 } from "@scure/base";
import { getAssociatedTokenAddressSync } from "@solana/spl-token";
import { type Connection, Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatAmount } from "../../src/money/amount.ts";
import { type SolanaLocal, startSolanaLocal } from "../../tools/solanaLocal/solanaLocal.ts";
import {
  airdrop,
  type OutsideWallet,
  outsideConnection,
  outsideWallet,
} from "../support/solana/outsideWallet.ts";
import { codesOf } from "./support/graphqlTestClient.ts";
import { paymentReaching, paymentsOf, watchPaymentEvents } from "./support/paymentQueries.ts";
import { expectNoSubnetOfTokens, sendRefused } from "./support/refusals.ts";
import {
  type Account,
  balancesOf,
  baseUnits,
  chainIdOfKind,
  createAccount,
  createSubnet,
  FUND,
  send,
  subnetAssetsOf,
  type Tenant,
} from "./support/scenario.ts";
import { type SubnetPair, startGatewayWithTenantPair, subnetPair } from "./support/tenantPair.ts";
import type { TestGateway } from "./support/testGateway.ts";

// Payments on Solana (the local LiteSVM-backed endpoint, 20 ms slots) through a real gateway: SOL and
// an SPL token across tenants, memos, the rent of the receiver's token account in the fee, transfers
// from an outside wallet, rent refusals, refused input, and a transaction the cluster drops until its
// blockhash has expired.

/** Confirmed blocks to FINALIZED: a few, so finality comes quickly on 20 ms slots. */
const FINALITY_DEPTH = 3;
const TOKEN_DECIMALS = 6;
const SOL_DECIMALS = 9;
/** Rent-exempt minimums as every cluster prices them: an SPL token account (165 bytes), a plain account. */
const TOKEN_ACCOUNT_RENT = 2_039_280n;
const RENT_EXEMPT_MINIMUM = 890_880n;
/** A transaction's blockhash is valid up to its block height + 150: this many blocks on, it is past. */
const PAST_EXPIRY = 160;
/** How long the Solana adapter reuses a blockhash it read (adapters/solana/solanaAdapter.ts BLOCKHASH_TTL_MS). */
const BLOCKHASH_REUSE_MS = 2_000;
const SENT_THROUGH_TO_FINAL = ["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"];

const lamports = (sol: string) => baseUnits(sol, SOL_DECIMALS);
const sol = (lamportCount: bigint) => formatAmount(lamportCount, SOL_DECIMALS);

describe("payments on Solana (local endpoint), end to end through GraphQL", () => {
  let local: SolanaLocal;
  let connection: Connection;
  let gateway: TestGateway;
  let chainId: string;
  let outside: OutsideWallet;
  let mint: PublicKey;
  let tokenSymbol: string;
  let a: Tenant;
  let b: Tenant;
  let solSubnets: SubnetPair;
  let tokenSubnets: SubnetPair;

  /** The decimals of every asset an account here holds, by symbol: SOL and the mint's token. */
  const decimals = () => ({ SOL: SOL_DECIMALS, [tokenSymbol]: TOKEN_DECIMALS });

  /** What the chain charged the transaction (meta.fee, lamports) and the slot it landed in. */
  const landed = async (signature: string) => {
    const transaction = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0,
    });
    if (!transaction?.meta) throw new Error(`${signature} is not on chain`);
    return { fee: BigInt(transaction.meta.fee), slot: transaction.slot };
  };

  /** Lamports at `address` on chain (confirmed). */
  const solOnChain = async (address: string) =>
    BigInt(await connection.getBalance(new PublicKey(address), "confirmed"));

  /** The owner's balance of the mint on chain: its associated token account's (confirmed). */
  const tokensOnChain = async (owner: string) => {
    const account = getAssociatedTokenAddressSync(mint, new PublicKey(owner));
    return BigInt((await connection.getTokenAccountBalance(account, "confirmed")).value.amount);
  };

  /** What the chain charges `payer` for a one-signature transfer, from getFeeForMessage. */
  const transferFee = async (payer: string) => {
    const { blockhash } = await connection.getLatestBlockhash();
    const message = new Transaction({ feePayer: new PublicKey(payer), recentBlockhash: blockhash })
      .add(
        SystemProgram.transfer({
          fromPubkey: new PublicKey(payer),
          toPubkey: Keypair.generate().publicKey,
          lamports: 1,
        }),
      )
      .compileMessage();
    const { value } = await connection.getFeeForMessage(message);
    if (value === null) throw new Error("the endpoint could not price a transfer");
    return BigInt(value);
  };

  /** `tenant` pays `amount` from `payer` to the address `to`: accepted, and SUBMITTED. */
  async function submitted(
    tenant: Tenant,
    payer: Account,
    to: string,
    amount: string,
    idempotencyKey: string,
    memo?: string,
  ) {
    const response = await send(tenant, {
      fromAccountId: payer.id,
      to: { address: to },
      amount,
      idempotencyKey,
      ...(memo === undefined ? {} : { memo }),
    });
    expect(response.errors).toBeUndefined();
    const sent = response.data?.sendPayment.payment;
    if (!sent?.txHash) throw new Error("no payment, or one without a transaction");
    expect(response.data?.sendPayment.replayed).toBe(false);
    expect(sent.status).toBe("SUBMITTED");
    // The transaction's signature: 64 bytes in base58.
    expect(base58.decode(sent.txHash)).toHaveLength(64);
    return { ...sent, txHash: sent.txHash };
  }

  beforeAll(async () => {
    local = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 20 });
    connection = outsideConnection(local.url, local.wsUrl);
    outside = await outsideWallet(connection);
    mint = await outside.createMint(TOKEN_DECIMALS);
    tokenSymbol = `${mint.toBase58().slice(0, 4)}…${mint.toBase58().slice(-4)}`;
    ({ gateway, a, b } = await startGatewayWithTenantPair({
      SOLANA_RPC_URL: local.url,
      SOLANA_WS_URL: local.wsUrl,
      SOLANA_FINALITY_DEPTH: String(FINALITY_DEPTH),
      SOLANA_POLL_INTERVAL_MS: "20",
    }));
    chainId = await chainIdOfKind(a, "SOLANA");
    solSubnets = await subnetPair({ a, b }, chainId, "SOL");
    tokenSubnets = await subnetPair({ a, b }, chainId, "token", mint.toBase58());
  });
  afterAll(async () => {
    await gateway?.close();
    await local?.close();
  });

  test("the chain is solana:<genesis hash>; the subnets' assets are SOL (9 decimals) and the mint as it describes itself", async () => {
    expect(chainId).toBe(`solana:${(await connection.getGenesisHash()).slice(0, 32)}`);
    const assetOf = await subnetAssetsOf(a);
    expect(assetOf(solSubnets.a.id)).toEqual({ kind: "NATIVE", symbol: "SOL", decimals: 9, address: null });
    expect(assetOf(tokenSubnets.a.id)).toEqual({
      kind: "TOKEN",
      symbol: tokenSymbol,
      decimals: TOKEN_DECIMALS,
      address: mint.toBase58(),
    });
  });

  test("SOL from tenant A to tenant B's address with a memo: B gets RECEIVED with the memo; A's payment goes SUBMITTED, CONFIRMED, FINALIZED with the fee charged; balances exact", async () => {
    const { payer, payee } = await solSubnets.accounts();
    expect(payer.custody).toBe("MANAGED");
    expect(base58.decode(payer.address)).toHaveLength(32);

    const funded = await a.data<{ fundAccount: { txHash: string; amount: string } }>(FUND, {
      accountId: payer.id,
      amount: "10",
    });
    expect(funded.fundAccount.amount).toBe("10");
    expect((await balancesOf(a, payer.id, decimals())).get("SOL")).toBe(lamports("10"));

    const sentEvents = watchPaymentEvents(a, payer.id);
    const received = watchPaymentEvents(b, payee.id);
    try {
      const sent = await submitted(a, payer, payee.address, "1.25", "sol-1", "invoice 42");
      expect(sent.memo).toBe("invoice 42");

      const incoming = await received.eventOfType("RECEIVED", sent.txHash);
      expect(incoming.payment).toMatchObject({
        amount: "1.25",
        memo: "invoice 42",
        direction: "INCOMING",
        from: { address: payer.address },
        to: { address: payee.address },
      });

      const confirmed = await paymentReaching(a, sent.id, ["CONFIRMED", "FINALIZED"]);
      const { fee, slot } = await landed(sent.txHash);
      // One block per slot on the local endpoint: the block height is the slot.
      expect(confirmed.blockHeight).toBe(String(slot));
      const finalized = await paymentReaching(a, sent.id, "FINALIZED");
      expect(finalized.confirmations).toBeGreaterThanOrEqual(FINALITY_DEPTH);
      await sentEvents.historyReaching(sent.id, SENT_THROUGH_TO_FINAL.length);
      expect(sentEvents.historyOf(sent.id).map((step) => step.type)).toEqual(SENT_THROUGH_TO_FINAL);

      // The fee: what the chain charged (a SOL transfer opens no token account), an Amount of SOL.
      expect(fee).toBeGreaterThan(0n);
      expect(finalized.fee).toMatch(/^\d+(\.\d+)?$/);
      expect(lamports(finalized.fee ?? "")).toBe(fee);

      const left = lamports("10") - lamports("1.25") - fee;
      expect((await balancesOf(a, payer.id, decimals())).get("SOL")).toBe(left);
      expect(await solOnChain(payer.address)).toBe(left);
      expect((await balancesOf(b, payee.id, decimals())).get("SOL")).toBe(lamports("1.25"));
      expect(await solOnChain(payee.address)).toBe(lamports("1.25"));

      const receivedFinal = await paymentReaching(b, incoming.payment.id, "FINALIZED");
      expect(receivedFinal.txHash).toBe(sent.txHash);
      expect(await paymentsOf(b, payee.id, "INCOMING")).toHaveLength(1);
    } finally {
      await sentEvents.close();
      await received.close();
    }
  });

  test("an SPL token from tenant A to tenant B: the first payment's fee includes the rent of B's new token account, the second's does not; token and SOL balances exact", async () => {
    const { payer, payee } = await tokenSubnets.accounts("token");

    // fundAccount airdrops SOL only: the tokens come from the mint's owner, and the SOL for the fees
    // (and for the receiver's token account) from the endpoint's faucet, straight to the address.
    expect(codesOf(await a.request(FUND, { accountId: payer.id, amount: "500" }))).toEqual(["UNSUPPORTED"]);
    await outside.mintTo(mint, payer.address, baseUnits("500", TOKEN_DECIMALS));
    await airdrop(connection, new PublicKey(payer.address), lamports("1"));
    const before = await balancesOf(a, payer.id, decimals());
    expect(before.get(tokenSymbol)).toBe(baseUnits("500", TOKEN_DECIMALS));
    expect(before.get("SOL")).toBe(lamports("1"));

    const sentEvents = watchPaymentEvents(a, payer.id);
    const received = watchPaymentEvents(b, payee.id);
    try {
      const first = await submitted(a, payer, payee.address, "12.5", "token-1", "order 7");
      const firstIncoming = await received.eventOfType("RECEIVED", first.txHash);
      expect(firstIncoming.payment).toMatchObject({
        amount: "12.5",
        memo: "order 7",
        direction: "INCOMING",
        from: { address: payer.address },
        to: { address: payee.address },
      });
      const firstFinal = await paymentReaching(a, first.id, "FINALIZED");
      const firstCharged = await landed(first.txHash);
      expect(lamports(firstFinal.fee ?? "")).toBe(firstCharged.fee + TOKEN_ACCOUNT_RENT);

      const second = await submitted(a, payer, payee.address, "7.5", "token-2");
      const secondIncoming = await received.eventOfType("RECEIVED", second.txHash);
      expect(secondIncoming.payment).toMatchObject({
        amount: "7.5",
        memo: null,
        from: { address: payer.address },
      });
      const secondFinal = await paymentReaching(a, second.id, "FINALIZED");
      const secondCharged = await landed(second.txHash);
      expect(lamports(secondFinal.fee ?? "")).toBe(secondCharged.fee);

      for (const sent of [first, second]) {
        await sentEvents.historyReaching(sent.id, SENT_THROUGH_TO_FINAL.length);
        expect(sentEvents.historyOf(sent.id).map((step) => step.type)).toEqual(SENT_THROUGH_TO_FINAL);
      }

      const spent = firstCharged.fee + TOKEN_ACCOUNT_RENT + secondCharged.fee;
      const after = await balancesOf(a, payer.id, decimals());
      expect(after.get(tokenSymbol)).toBe(baseUnits("480", TOKEN_DECIMALS));
      expect(after.get("SOL")).toBe(lamports("1") - spent);
      expect(await tokensOnChain(payer.address)).toBe(baseUnits("480", TOKEN_DECIMALS));
      expect(await solOnChain(payer.address)).toBe(lamports("1") - spent);
      // B holds the tokens; the rent sits in B's token account, not in B's SOL.
      const payeeBalances = await balancesOf(b, payee.id, decimals());
      expect(payeeBalances.get(tokenSymbol)).toBe(baseUnits("20", TOKEN_DECIMALS));
      expect(payeeBalances.get("SOL")).toBe(0n);
      expect(await tokensOnChain(payee.address)).toBe(baseUnits("20", TOKEN_DECIMALS));
      const payeeTokenAccount = getAssociatedTokenAddressSync(mint, new PublicKey(payee.address));
      expect(await solOnChain(payeeTokenAccount.toBase58())).toBe(TOKEN_ACCOUNT_RENT);

      await paymentReaching(b, secondIncoming.payment.id, "FINALIZED");
      expect(await paymentsOf(b, payee.id, "INCOMING")).toHaveLength(2);
    } finally {
      await sentEvents.close();
      await received.close();
    }
  });

  test("transfers straight from an outside wallet (a SOL transfer, an SPL transferChecked) appear as RECEIVED with their amount and sender", async () => {
    const solPayee = await createAccount(b, solSubnets.b.id, { label: "from outside, SOL" });
    const tokenPayee = await createAccount(b, tokenSubnets.b.id, { label: "from outside, token" });
    await outside.mintTo(mint, outside.address, baseUnits("100", TOKEN_DECIMALS));
    const solEvents = watchPaymentEvents(b, solPayee.id);
    const tokenEvents = watchPaymentEvents(b, tokenPayee.id);
    try {
      const solSignature = await outside.sendSol(solPayee.address, lamports("0.5"));
      const tokenSignature = await outside.sendToken(
        mint,
        TOKEN_DECIMALS,
        tokenPayee.address,
        baseUnits("7.25", TOKEN_DECIMALS),
      );

      const solReceived = await solEvents.eventOfType("RECEIVED", solSignature);
      expect(solReceived.payment).toMatchObject({
        amount: "0.5",
        memo: null,
        direction: "INCOMING",
        from: { address: outside.address },
        to: { address: solPayee.address },
      });
      const tokenReceived = await tokenEvents.eventOfType("RECEIVED", tokenSignature);
      expect(tokenReceived.payment).toMatchObject({
        amount: "7.25",
        direction: "INCOMING",
        from: { address: outside.address },
        to: { address: tokenPayee.address },
      });
      // The SOL transfer is no payment of the token account, and the other way round.
      expect(solEvents.events().map((event) => event.payment.txHash)).not.toContain(tokenSignature);
      expect(tokenEvents.events().map((event) => event.payment.txHash)).not.toContain(solSignature);

      await paymentReaching(b, solReceived.payment.id, "FINALIZED");
      await paymentReaching(b, tokenReceived.payment.id, "FINALIZED");
      expect((await balancesOf(b, solPayee.id, decimals())).get("SOL")).toBe(lamports("0.5"));
      expect((await balancesOf(b, tokenPayee.id, decimals())).get(tokenSymbol)).toBe(
        baseUnits("7.25", TOKEN_DECIMALS),
      );
      expect(await paymentsOf(b, solPayee.id, "INCOMING")).toHaveLength(1);
      expect(await paymentsOf(b, tokenPayee.id, "INCOMING")).toHaveLength(1);
    } finally {
      await solEvents.close();
      await tokenEvents.close();
    }
  });

  describe("refused: a coded error, and nothing sent or recorded", () => {
    let payer: Account;
    let payee: Account;
    beforeAll(async () => {
      ({ payer, payee } = await solSubnets.accounts("careful"));
      await a.data(FUND, { accountId: payer.id, amount: "1" });
    });

    /**
     * Sends `input` and checks it was refused with `code` and a sentence, and that neither the chain
     * nor the payer's history moved. Returns the message.
     */
    async function refused(input: Record<string, unknown>, code: string) {
      const balance = await solOnChain(payer.address);
      const onChain = local.chain.transactionsFor(payer.address).length;
      const outgoing = await paymentsOf(a, payer.id, "OUTGOING");
      const refusal = await sendRefused(a, payer, payee, input, code);
      // Every transaction the endpoint ran that names the payer, the open slot's included.
      expect(local.chain.transactionsFor(payer.address)).toHaveLength(onChain);
      expect(await solOnChain(payer.address)).toBe(balance);
      expect((await balancesOf(a, payer.id, decimals())).get("SOL")).toBe(balance);
      expect(await paymentsOf(a, payer.id, "OUTGOING")).toEqual(outgoing);
      return refusal;
    }

    test("to.address that is not a 32-byte base58 key is BAD_USER_INPUT naming to.address", async () => {
      const notKeys = [
        "not-an-address",
        "0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", // outside base58's alphabet
        base58.encode(new Uint8Array(31).fill(7)),
        base58.encode(new Uint8Array(33).fill(7)),
        `1${payee.address}`, // the same key with a leading zero byte: 33 bytes
      ];
      for (const address of notKeys) {
        const { field } = await refused({ to: { address } }, "BAD_USER_INPUT");
        expect(field, address).toBe("to.address");
      }
    });

    test("another chain's address in to.address: an EVM address is BAD_USER_INPUT (no EVM chain here), a refchain address CROSS_CHAIN_UNSUPPORTED", async () => {
      const evm = await refused(
        { to: { address: "0x8ba1f109551bD432803012645Ac136ddd64DBA72" } },
        "BAD_USER_INPUT",
      );
      expect(evm.field).toBe("to.address");
      // The gateway runs a refchain too: an address of it names another chain the gateway knows.
      const refSubnet = await createSubnet(a, { name: "acme REF", chainId: "refchain:local" });
      const refAccount = await createAccount(a, refSubnet.id);
      const { message } = await refused({ to: { address: refAccount.address } }, "CROSS_CHAIN_UNSUPPORTED");
      expect(message).toContain("refchain:local");
    });

    test("asset.token naming no mint (a wallet, a token account, an empty address, not an address) is BAD_USER_INPUT, and no subnet is made", async () => {
      const tokenAccount = getAssociatedTokenAddressSync(mint, outside.keypair.publicKey).toBase58();
      await expectNoSubnetOfTokens(a, chainId, [
        outside.address,
        tokenAccount,
        Keypair.generate().publicKey.toBase58(),
        "0xabc",
      ]);
    });

    test("a SOL payment that would open the receiver's account below the rent-exempt minimum is BAD_USER_INPUT; the idempotency key stays free", async () => {
      const fresh = Keypair.generate().publicKey.toBase58();
      const { message } = await refused(
        { to: { address: fresh }, amount: "0.0005", idempotencyKey: "rent-open" },
        "BAD_USER_INPUT",
      );
      expect(message).toContain(`rent-exempt: at least ${sol(RENT_EXEMPT_MINIMUM)} SOL`);
      expect(await solOnChain(fresh)).toBe(0n);

      // Nothing was recorded under the key: the same key with other input is a new payment, not a conflict.
      const balance = await solOnChain(payer.address);
      const again = await submitted(a, payer, fresh, sol(RENT_EXEMPT_MINIMUM), "rent-open");
      await paymentReaching(a, again.id, "FINALIZED");
      const { fee } = await landed(again.txHash);
      expect(await solOnChain(fresh)).toBe(RENT_EXEMPT_MINIMUM);
      expect(await solOnChain(payer.address)).toBe(balance - RENT_EXEMPT_MINIMUM - fee);
    });

    test("a SOL payment that would leave the sender between 0 and the rent-exempt minimum is BAD_USER_INPUT; emptying the account is not", async () => {
      const balance = await solOnChain(payer.address);
      const fee = await transferFee(payer.address);
      const dust = RENT_EXEMPT_MINIMUM / 2n;
      const { message } = await refused(
        { amount: sol(balance - fee - dust), idempotencyKey: "rent-leave" },
        "BAD_USER_INPUT",
      );
      expect(message).toContain(
        `with ${sol(dust)} SOL, below the rent-exempt minimum of ${sol(RENT_EXEMPT_MINIMUM)} SOL`,
      );
      expect(await solOnChain(payee.address)).toBe(0n);

      // All of it but the fee leaves 0, which is allowed; under the same key, free since nothing was recorded.
      const emptied = await submitted(a, payer, payee.address, sol(balance - fee), "rent-leave");
      await paymentReaching(a, emptied.id, "FINALIZED");
      expect((await landed(emptied.txHash)).fee).toBe(fee);
      expect(await solOnChain(payer.address)).toBe(0n);
      expect((await balancesOf(a, payer.id, decimals())).get("SOL")).toBe(0n);
      expect(await solOnChain(payee.address)).toBe(balance - fee);
    });
  });

  // Last: it seals PAST_EXPIRY blocks at once, which leaves no earlier blockhash usable.
  test("a transaction the cluster drops never lands: once past its blockhash's last valid height the payment is FAILED EXPIRED, sent once and never re-signed; a new payment lands", async () => {
    const { payer, payee } = await solSubnets.accounts("dropped");
    await a.data(FUND, { accountId: payer.id, amount: "2" });
    const funding = local.chain.transactionsFor(payer.address).map((transaction) => transaction.signature);
    const sentEvents = watchPaymentEvents(a, payer.id);
    const received = watchPaymentEvents(b, payee.id);
    try {
      local.dropIncoming(true);
      let dropped: Awaited<ReturnType<typeof submitted>>;
      let signedAt: number;
      try {
        dropped = await submitted(a, payer, payee.address, "0.5", "dropped-1");
        signedAt = Date.now(); // the blockhash it was signed with was read before this
        expect(local.chain.dropped).toEqual([dropped.txHash]);
        local.advanceSlots(PAST_EXPIRY);
      } finally {
        local.dropIncoming(false);
      }

      const failed = await paymentReaching(a, dropped.id, "FAILED");
      expect(failed.error?.code).toBe("EXPIRED");
      expect(failed.txHash).toBe(dropped.txHash);
      await sentEvents.historyReaching(dropped.id, 3);
      expect(sentEvents.historyOf(dropped.id).map((step) => step.type)).toEqual([
        "CREATED",
        "SUBMITTED",
        "FAILED",
      ]);
      // Sent once, never again, and nothing else signed for it: the chain knows no transaction of the
      // payer's but its funding, and the money is where it was.
      expect(local.chain.dropped).toEqual([dropped.txHash]);
      expect(
        (await connection.getSignatureStatuses([dropped.txHash], { searchTransactionHistory: true })).value,
      ).toEqual([null]);
      expect(local.chain.transactionsFor(payer.address).map((transaction) => transaction.signature)).toEqual(
        funding,
      );
      expect(await solOnChain(payer.address)).toBe(lamports("2"));
      expect((await balancesOf(a, payer.id, decimals())).get("SOL")).toBe(lamports("2"));
      expect(await solOnChain(payee.address)).toBe(0n);
      expect(await paymentsOf(a, payer.id, "OUTGOING")).toHaveLength(1);

      // The adapter reuses a blockhash it read for BLOCKHASH_REUSE_MS, a few slots on a cluster.
      // advanceSlots made 160 blocks in no time where a cluster takes a minute, so the blockhash the
      // dropped transaction was signed with, expired now, may still be the one it would reuse: wait
      // that reuse out (a minute would have) rather than have the next payment refused as expired.
      await new Promise((resolve) => setTimeout(resolve, signedAt + BLOCKHASH_REUSE_MS - Date.now()));
      const next = await submitted(a, payer, payee.address, "0.5", "dropped-2");
      expect(next.txHash).not.toBe(dropped.txHash);
      await received.eventOfType("RECEIVED", next.txHash);
      await paymentReaching(a, next.id, "FINALIZED");
      const { fee } = await landed(next.txHash);
      expect(await solOnChain(payer.address)).toBe(lamports("2") - lamports("0.5") - fee);
      expect(await solOnChain(payee.address)).toBe(lamports("0.5"));
      // The expired payment stays FAILED, and the receiver saw one payment only.
      expect((await paymentReaching(a, dropped.id, "FAILED")).error?.code).toBe("EXPIRED");
      expect((await paymentsOf(b, payee.id, "INCOMING")).map((payment) => payment.txHash)).toEqual([
        next.txHash,
      ]);
    } finally {
      await sentEvents.close();
      await received.close();
    }
  });
});
