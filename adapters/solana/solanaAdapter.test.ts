import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createMint,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  transfer as splTransfer,
} from "@solana/spl-token";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { newSolanaSigner } from "../../test/conformance/solanaSigner.ts";
import { startCountingRpcProxy } from "../../test/support/countingRpcProxy.ts";
import { startSolanaLocal } from "../../tools/solanaLocal/solanaLocal.ts";
import {
  AdapterError,
  type AssetInfo,
  type ChainAdapter,
  type ObservedBlock,
  type Signer,
} from "../types.ts";
import { createSolanaAdapters } from "./createSolanaAdapters.ts";

// What the conformance suite cannot say about Solana: SPL tokens and the receiver's token account,
// rent, blockhash expiry, memos, and one call for a page of balances. Against the local
// LiteSVM-backed endpoint, through the same JSON-RPC a cluster answers.

const WAIT = { timeout: 20_000, interval: 20 };
const SOL = 1_000_000_000n;
/** Rent-exempt minimum of an SPL token account (165 bytes), as every cluster prices it today. */
const TOKEN_ACCOUNT_RENT = 2_039_280n;

let local: Awaited<ReturnType<typeof startSolanaLocal>>;
let adapter: ChainAdapter;
let sol: AssetInfo;
let connection: Connection;
const dataDir = mkdtempSync(join(tmpdir(), "solana-adapter-"));

async function openAdapter(url: string): Promise<ChainAdapter> {
  const [opened] = await createSolanaAdapters({
    dataDir,
    env: { SOLANA_RPC_URL: url, SOLANA_POLL_INTERVAL_MS: "20", SOLANA_FINALITY_DEPTH: "2" },
  });
  if (!opened) throw new Error("no adapter");
  return opened;
}

beforeAll(async () => {
  local = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 20 });
  adapter = await openAdapter(local.url);
  sol = adapter.description.nativeAsset;
  connection = new Connection(local.url, "confirmed");
});
afterAll(async () => {
  await adapter?.close();
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function funded(amount = SOL): Promise<Signer & { secretKey: Uint8Array }> {
  const signer = newSolanaSigner();
  await adapter.faucet?.(signer.address, sol, amount);
  return signer;
}

async function included(hash: string) {
  return vi.waitFor(async () => {
    const status = await adapter.getTransactionStatus(hash);
    if (status.state !== "INCLUDED") throw new Error(`${hash} is ${status.state}`);
    return status;
  }, WAIT);
}

async function send(
  from: Signer,
  to: string,
  amount: bigint,
  options: { asset?: AssetInfo; memo?: string } = {},
) {
  const prepared = await adapter.prepareTransfer({
    from,
    to,
    amount,
    asset: options.asset ?? sol,
    ...(options.memo === undefined ? {} : { memo: options.memo }),
  });
  await adapter.broadcast(prepared);
  await included(prepared.hash);
  return prepared;
}

async function rejection(promise: Promise<unknown>): Promise<AdapterError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(error)}`);
  return error;
}

const balance = async (address: string, asset = sol) =>
  (await adapter.getBalances([{ address, asset }]))[0] as bigint;

test("the chain: solana:<genesis hash prefix>, SOL with 9 decimals, a faucet, memos, the rent-exempt minimum", async () => {
  const genesis = await connection.getGenesisHash();
  expect(adapter.description).toMatchObject({
    id: `solana:${genesis.slice(0, 32)}`,
    kind: "SOLANA",
    nativeAsset: { symbol: "SOL", decimals: 9 },
    capabilities: {
      faucet: true,
      issueAsset: false,
      maxMemoBytes: 256,
      reorgs: false,
      finalityDepth: 2,
      minimumBalance: BigInt(await connection.getMinimumBalanceForRentExemption(0)),
    },
  });
});

describe("rent", () => {
  test("opening an account with less than the rent-exempt minimum is refused before anything is sent", async () => {
    const alice = await funded(SOL);
    const { minimumBalance } = adapter.description.capabilities;
    const error = await rejection(
      adapter.prepareTransfer({
        from: alice,
        to: newSolanaSigner().address,
        asset: sol,
        amount: minimumBalance - 1n,
      }),
    );
    expect(error).toMatchObject({
      code: "BAD_AMOUNT",
      message: expect.stringMatching(/rent-exempt: at least 0.00089088 SOL/),
    });
    expect(await balance(alice.address)).toBe(SOL);
  });

  test("leaving the sender above zero but below the minimum is refused; emptying it is allowed", async () => {
    const alice = await funded(SOL);
    const bob = newSolanaSigner().address;
    const fee = (await adapter.prepareTransfer({ from: alice, to: bob, asset: sol, amount: SOL / 2n }))
      .fee as bigint;
    const error = await rejection(
      adapter.prepareTransfer({ from: alice, to: bob, asset: sol, amount: SOL - fee - 1n }),
    );
    expect(error).toMatchObject({
      code: "BAD_AMOUNT",
      message: expect.stringMatching(/below the rent-exempt minimum/),
    });
    await send(alice, bob, SOL - fee);
    expect(
      await adapter.getBalances([alice, { address: bob }].map(({ address }) => ({ address, asset: sol }))),
    ).toEqual([0n, SOL - fee]);
  });
});

describe("SPL tokens", () => {
  let token: AssetInfo;
  let issuer: Keypair;

  beforeAll(async () => {
    issuer = Keypair.generate();
    await adapter.faucet?.(issuer.publicKey.toBase58(), sol, 10n * SOL);
    const mint = await createMint(connection, issuer, issuer.publicKey, null, 6);
    token = await adapter.resolveAsset({ kind: "TOKEN", address: mint.toBase58() });
  });

  const mintToOwner = async (owner: string, amount: bigint) => {
    const account = await getOrCreateAssociatedTokenAccount(
      connection,
      issuer,
      new PublicKey(token.address as string),
      new PublicKey(owner),
    );
    await mintTo(connection, issuer, new PublicKey(token.address as string), account.address, issuer, amount);
  };

  test("resolveAsset reads the decimals from the mint; a wallet and an empty address are UNKNOWN_ASSET", async () => {
    expect(token).toMatchObject({ chainId: adapter.description.id, kind: "TOKEN", decimals: 6 });
    expect(token.id).toBe(`${adapter.description.id}/${token.address}`);
    const wallet = await funded(SOL);
    expect(await rejection(adapter.resolveAsset({ kind: "TOKEN", address: wallet.address }))).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringMatching(/not an SPL token mint/),
    });
    expect(
      await rejection(adapter.resolveAsset({ kind: "TOKEN", address: newSolanaSigner().address })),
    ).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringMatching(/no mint there/),
    });
  });

  test("the first transfer to an owner opens its token account: the sender pays its rent, shown in the fee; the next pays the fee alone", async () => {
    const alice = await funded(SOL);
    await mintToOwner(alice.address, 5_000_000n);
    const bob = newSolanaSigner().address;
    const first = await send(alice, bob, 1_250_000n, { asset: token });
    const second = await send(alice, bob, 250_000n, { asset: token });
    expect(first.fee).toBe((second.fee as bigint) + TOKEN_ACCOUNT_RENT);
    expect(
      await adapter.getBalances([
        { address: alice.address, asset: token },
        { address: bob, asset: token },
        { address: alice.address, asset: sol },
      ]),
    ).toEqual([3_500_000n, 1_500_000n, SOL - (first.fee as bigint) - (second.fee as bigint)]);
  });

  test("more tokens than held, or no SOL for the fee, are INSUFFICIENT_FUNDS; the faucet gives SOL only", async () => {
    const alice = await funded(SOL);
    await mintToOwner(alice.address, 100n);
    const bob = newSolanaSigner().address;
    expect(
      await rejection(adapter.prepareTransfer({ from: alice, to: bob, asset: token, amount: 101n })),
    ).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
    });
    const carol = newSolanaSigner();
    await mintToOwner(carol.address, 100n);
    expect(
      await rejection(adapter.prepareTransfer({ from: carol, to: bob, asset: token, amount: 100n })),
    ).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
      message: expect.stringMatching(/rent for the receiver's token account/),
    });
    expect(await rejection(adapter.faucet?.(bob, token, 1n) ?? Promise.resolve())).toMatchObject({
      code: "UNSUPPORTED",
    });
  });

  test("watch: a token transfer from an outside wallet, and a SOL transfer with a memo, arrive as transfers to the owner", async () => {
    const alice = await funded(SOL);
    const outside = Keypair.generate();
    await adapter.faucet?.(outside.publicKey.toBase58(), sol, SOL);
    await mintToOwner(outside.publicKey.toBase58(), 1_000n);
    const bob = newSolanaSigner().address;
    const blocks: ObservedBlock[] = [];
    const stop = await adapter.watch({ onBlock: (block) => void blocks.push(block), onError: () => {} });
    try {
      const mint = new PublicKey(token.address as string);
      const from = await getOrCreateAssociatedTokenAccount(connection, outside, mint, outside.publicKey);
      const to = await getOrCreateAssociatedTokenAccount(connection, outside, mint, new PublicKey(bob));
      const outsideHash = await splTransfer(connection, outside, from.address, to.address, outside, 400n);
      const memoed = await send(alice, bob, SOL / 10n, { memo: "invoice 7" });
      const transfers = () => blocks.flatMap((block) => block.transfers);
      await vi.waitFor(
        () =>
          expect(transfers().map((t) => t.txHash)).toEqual(
            expect.arrayContaining([outsideHash, memoed.hash]),
          ),
        WAIT,
      );
      expect(transfers()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            txHash: outsideHash,
            from: outside.publicKey.toBase58(),
            to: bob,
            asset: token,
            amount: 400n,
            memo: null,
          }),
          expect.objectContaining({
            txHash: memoed.hash,
            from: alice.address,
            to: bob,
            asset: sol,
            amount: SOL / 10n,
            memo: "invoice 7",
          }),
        ]),
      );
    } finally {
      await stop();
    }
  });
});

test("two equal transfers in one blockhash's life are two transactions, and both land", async () => {
  const alice = await funded(SOL);
  const bob = newSolanaSigner().address;
  const [a, b] = await Promise.all([
    adapter.prepareTransfer({ from: alice, to: bob, asset: sol, amount: SOL / 4n }),
    adapter.prepareTransfer({ from: alice, to: bob, asset: sol, amount: SOL / 4n }),
  ]);
  expect(a?.hash).not.toBe(b?.hash);
  for (const prepared of [a, b]) if (prepared) await adapter.broadcast(prepared);
  await Promise.all([a, b].map((prepared) => included(prepared?.hash ?? "")));
  expect(await balance(bob)).toBe(SOL / 2n);
});

test("expiry: bytes whose blockhash is past its last valid height are REJECTED as expired and never land", async () => {
  const alice = await funded(SOL);
  const prepared = await adapter.prepareTransfer({
    from: alice,
    to: newSolanaSigner().address,
    asset: sol,
    amount: SOL / 2n,
  });
  expect(prepared.validUntilHeight).toEqual(expect.any(BigInt));
  local.advanceSlots(160);
  await vi.waitFor(
    async () =>
      expect(BigInt(await connection.getBlockHeight("confirmed"))).toBeGreaterThan(
        prepared.validUntilHeight as bigint,
      ),
    { timeout: 60_000, interval: 100 },
  );
  expect(await rejection(adapter.broadcast(prepared))).toMatchObject({
    code: "EXPIRED",
    message: expect.stringMatching(/expired/),
  });
  expect(await adapter.getTransactionStatus(prepared.hash)).toEqual({ state: "UNKNOWN" });
  expect(await balance(alice.address)).toBe(SOL);
});

test("getBalances: a page of 100 accounts, SOL and token, is one request to the endpoint", async () => {
  const proxy = await startCountingRpcProxy(local.url);
  const counted = await openAdapter(proxy.url);
  try {
    const owners = Array.from({ length: 100 }, () => newSolanaSigner().address);
    const rich = await funded(SOL);
    proxy.take();
    const balances = await counted.getBalances(
      [...owners.slice(0, 99), rich.address].map((address) => ({ address, asset: sol })),
    );
    expect(balances.at(-1)).toBe(SOL);
    expect(proxy.take().map((request) => request.methods)).toEqual([["getMultipleAccounts"]]);
  } finally {
    await counted.close();
    await proxy.close();
  }
});

test("an endpoint that does not answer: UNAVAILABLE; one that is not there at start-up says what to fix", async () => {
  const own = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 20 });
  const chain = await openAdapter(own.url);
  try {
    await own.close();
    expect(
      await rejection(
        chain.getBalances([{ address: newSolanaSigner().address, asset: chain.description.nativeAsset }]),
      ),
    ).toMatchObject({
      code: "UNAVAILABLE",
    });
    expect(await rejection(chain.head())).toMatchObject({ code: "UNAVAILABLE" });
  } finally {
    await chain.close();
  }
  await expect(openAdapter("http://127.0.0.1:9")).rejects.toThrow(
    /SOLANA_RPC_URL: no Solana endpoint answers at http:\/\/127.0.0.1:9/,
  );
});
