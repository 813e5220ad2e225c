import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { adapterFactories } from "../../adapters/registry.ts";
import {
  AdapterError,
  type AssetInfo,
  type ChainAdapter,
  type ObservedBlock,
  type PreparedTransaction,
  type Signer,
  type TransactionStatus,
} from "../../adapters/types.ts";
import { type ChainFixture, fixtures, type OpenChainFixture, variantFixtures } from "./fixtures.ts";

// One suite, every adapter in the registry (and every way the gateway reaches one): what the
// gateway relies on, asserted on outcomes a user would see (balances, statuses, blocks).

const WAIT = { timeout: 30_000, interval: 20 };

test("conformance: every adapter in the registry has a fixture", () => {
  expect(Object.keys(adapterFactories).filter((name) => !fixtures[name])).toEqual([]);
});

for (const [name] of Object.entries(adapterFactories)) {
  const fixture = fixtures[name];
  if (fixture) describe(name, () => conformance(fixture));
}
for (const [name, fixture] of Object.entries(variantFixtures)) describe(name, () => conformance(fixture));

/** Rejects with an AdapterError of `code` whose message (a sentence for a person) matches `says`. */
async function expectAdapterError(promise: Promise<unknown>, code: string, says: RegExp = /\w/) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdapterError);
  expect(error).toMatchObject({ code, message: expect.stringMatching(says) });
}

function conformance(fixture: ChainFixture) {
  let chain: OpenChainFixture;
  let adapter: ChainAdapter;
  let native: AssetInfo;
  /** One whole coin of the native asset, in base units: amounts scale with the chain's decimals. */
  let coin: bigint;
  /**
   * What a transfer to a new account must add to its amount on chains with a minimum balance
   * (Solana's rent-exempt minimum): the small amounts below are that much above it. 0 elsewhere.
   */
  let base: bigint;

  beforeAll(async () => {
    chain = await fixture.open();
    adapter = chain.adapter;
    native = adapter.description.nativeAsset;
    coin = 10n ** BigInt(native.decimals);
    base = adapter.description.capabilities.minimumBalance;
  });
  afterAll(async () => {
    await chain?.close();
  });

  const balanceOf = async (address: string, asset: AssetInfo = native) =>
    (await adapter.getBalances([{ address, asset }]))[0];

  const waitIncluded = (hash: string) =>
    vi.waitFor(async () => {
      const status = await adapter.getTransactionStatus(hash);
      if (status.state !== "INCLUDED") throw new Error(`${hash} is ${status.state}`);
      return status as Extract<TransactionStatus, { state: "INCLUDED" }>;
    }, WAIT);

  /** Prepares, broadcasts and waits until included. */
  const transfer = async (
    from: Signer,
    to: string,
    amount: bigint,
    options: { asset?: AssetInfo; memo?: string } = {},
  ) => {
    const prepared = await adapter.prepareTransfer({
      from,
      to,
      amount,
      asset: options.asset ?? native,
      ...(options.memo === undefined ? {} : { memo: options.memo }),
    });
    await adapter.broadcast(prepared);
    return { prepared, status: await waitIncluded(prepared.hash) };
  };

  /** Watches from `fromHeight` until `until` holds for the blocks so far; returns them, checked in order and without gaps. */
  const watchUntil = async (
    until: (blocks: ObservedBlock[]) => boolean,
    options: { fromHeight?: bigint; meanwhile?: () => Promise<unknown> } = {},
  ) => {
    const blocks: ObservedBlock[] = [];
    const errors: Error[] = [];
    const stop = await adapter.watch({
      ...(options.fromHeight === undefined ? {} : { fromHeight: options.fromHeight }),
      onBlock: (block) => {
        blocks.push(block);
      },
      onError: (error) => errors.push(error),
    });
    try {
      await options.meanwhile?.();
      await vi.waitFor(() => {
        if (errors.length > 0) throw errors[0];
        expect(until(blocks)).toBe(true);
      }, WAIT);
    } finally {
      await stop();
    }
    expect(errors).toEqual([]);
    blocks.forEach((block, i) => {
      const before = blocks[i - 1];
      if (!before) return;
      expect(block.height).toBe(before.height + 1n);
      expect(block.parentHash).toBe(before.hash);
    });
    return blocks;
  };

  test("description: a CAIP-2 chain id, its native asset, and keys whose addresses the adapter derives", async () => {
    const { description } = adapter;
    expect(description.id).toMatch(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/);
    expect(native).toEqual({
      id: `${description.id}/native`,
      chainId: description.id,
      kind: "NATIVE",
      symbol: expect.any(String),
      decimals: expect.any(Number),
      address: null,
    });
    expect(await adapter.resolveAsset({ kind: "NATIVE" })).toEqual(native);
    expect(description.capabilities.finalityDepth).toBeGreaterThanOrEqual(1);
    const signer = chain.newSigner();
    expect(signer.scheme).toBe(adapter.keyScheme);
    expect(adapter.addressOf(signer.publicKey)).toBe(signer.address);
    expect(adapter.normalizeAddress(signer.address)).toBe(signer.address);
    const head = await adapter.head();
    expect(head.height).toBeGreaterThanOrEqual(0n);
    expect(head.hash).toEqual(expect.any(String));
  });

  test("getBalances: several addresses in one call, each right, in the order asked", async () => {
    const a = await chain.fundedSigner(3n * coin);
    const b = await chain.fundedSigner(5n * coin);
    const stranger = chain.newSigner();
    const balances = await adapter.getBalances([
      { address: a.address, asset: native },
      { address: stranger.address, asset: native },
      { address: b.address, asset: native },
      { address: a.address, asset: native },
    ]);
    expect(balances).toEqual([3n * coin, 0n, 5n * coin, 3n * coin]);
    expect(await adapter.getBalances([])).toEqual([]);
  });

  test("transfer: prepared, broadcast, included; both balances move by the amount (and the fee)", async () => {
    const alice = await chain.fundedSigner(10n * coin);
    const bob = chain.newSigner();
    const amount = coin / 4n + 7n;
    const prepared = await adapter.prepareTransfer({ from: alice, to: bob.address, asset: native, amount });
    expect(prepared.hash).toEqual(expect.any(String));
    expect(prepared.raw.length).toBeGreaterThan(0);
    await adapter.broadcast(prepared);
    expect(["PENDING", "INCLUDED"]).toContain((await adapter.getTransactionStatus(prepared.hash)).state);
    const status = await waitIncluded(prepared.hash);
    if (prepared.validUntilHeight !== null)
      expect(status.height).toBeLessThanOrEqual(prepared.validUntilHeight);
    // The fee as the chain reports it once included, or as it was known when signed.
    const fee = status.fee ?? prepared.fee ?? 0n;
    expect(
      await adapter.getBalances([alice, bob].map(({ address }) => ({ address, asset: native }))),
    ).toEqual([10n * coin - amount - fee, amount]);
  });

  test("broadcast: the same bytes sent twice at once, and again once included, are one transfer", async () => {
    const alice = await chain.fundedSigner(2n * coin);
    const bob = chain.newSigner();
    const prepared = await adapter.prepareTransfer({
      from: alice,
      to: bob.address,
      asset: native,
      amount: base + 100n,
    });
    await Promise.all([adapter.broadcast(prepared), adapter.broadcast(prepared)]);
    await adapter.broadcast(prepared);
    const { fee } = await waitIncluded(prepared.hash);
    await adapter.broadcast(prepared); // a re-broadcast after a crash, once it is in a block
    // A later transfer from the same sender lands after it: the repeats took no nonce.
    const { prepared: later, status } = await transfer(alice, bob.address, 1n);
    expect(await balanceOf(bob.address)).toBe(base + 101n);
    expect(await balanceOf(alice.address)).toBe(
      2n * coin - base - 101n - (fee ?? prepared.fee ?? 0n) - (status.fee ?? later.fee ?? 0n),
    );
  });

  test("getTransactionStatus: a prepared transaction is UNKNOWN until broadcast; resetNonce lets the next one take its place", async () => {
    const alice = await chain.fundedSigner(coin);
    const bob = chain.newSigner();
    const abandoned = await adapter.prepareTransfer({
      from: alice,
      to: bob.address,
      asset: native,
      amount: base + 5n,
    });
    expect(await adapter.getTransactionStatus(abandoned.hash)).toEqual({ state: "UNKNOWN" });
    adapter.resetNonce?.(alice.address);
    const { prepared } = await transfer(alice, bob.address, base + 6n);
    if (abandoned.nonce !== null) expect(prepared.nonce).toBe(abandoned.nonce);
    expect(await balanceOf(bob.address)).toBe(base + 6n);
  });

  let watched: { height: bigint; hash: string; from: string; to: string; amount: bigint } | undefined;

  test("watch: delivers the block with the transfer (from, to, amount, asset, memo), then later blocks in order without gaps", async () => {
    const alice = await chain.fundedSigner(coin);
    const bob = chain.newSigner();
    const amount = base + 1234n;
    // A memo travels where the chain carries one (capabilities.maxMemoBytes); elsewhere transfers have none.
    const memo = adapter.description.capabilities.maxMemoBytes >= 7 ? "for bob" : undefined;
    let sent: PreparedTransaction | undefined;
    let included: bigint | undefined;
    const blocks = await watchUntil(
      (seen) => included !== undefined && seen.some((block) => block.height > (included as bigint)),
      {
        meanwhile: async () => {
          const { prepared, status } = await transfer(
            alice,
            bob.address,
            amount,
            memo === undefined ? {} : { memo },
          );
          sent = prepared;
          included = status.height;
          // Heads advance: another transaction (on chains that only make blocks when there is one).
          await transfer(alice, bob.address, 1n);
        },
      },
    );
    const hash = (sent as PreparedTransaction).hash;
    const block = blocks.find((b) => b.transactionHashes.includes(hash));
    expect(block?.height).toBe(included);
    expect(block?.transfers.filter((t) => t.txHash === hash)).toEqual([
      {
        txHash: hash,
        index: expect.any(Number),
        from: alice.address,
        to: bob.address,
        asset: native,
        amount,
        memo: memo ?? null,
      },
    ]);
    const indexes = block?.transfers.map((t) => t.index);
    expect(new Set(indexes).size).toBe(indexes?.length);
    const head = await adapter.head();
    // Confirmations (the including block counts as one) grow as heads advance.
    expect(head.height - (included as bigint) + 1n).toBeGreaterThanOrEqual(2n);
    watched = { height: included as bigint, hash, from: alice.address, to: bob.address, amount };
  });

  test("watch from an older height: replays the earlier blocks, then goes live with no gap or repeat at the handover", async () => {
    if (!watched) throw new Error("needs the watch test before it");
    const { height, hash } = watched;
    const fromHeight = height > 0n ? height - 1n : 0n;
    const startHead = (await adapter.head()).height;
    const alice = await chain.fundedSigner(coin);
    const blocks = await watchUntil((seen) => (seen.at(-1)?.height ?? -1n) > startHead + 1n, {
      fromHeight,
      meanwhile: () => transfer(alice, chain.newSigner().address, base + 1n),
    });
    expect(blocks[0]?.height).toBe(fromHeight);
    const replayed = blocks.find((b) => b.height === height);
    expect(replayed?.transactionHashes).toContain(hash);
    expect(replayed?.transfers.find((t) => t.txHash === hash)).toMatchObject({
      from: watched.from,
      to: watched.to,
      amount: watched.amount,
    });
  });

  test("normalizeAddress: a bad checksum, another chain's prefix and garbage are INVALID_ADDRESS saying what is wrong; nothing is sent", async () => {
    const alice = await chain.fundedSigner(coin);
    for (const { address, says } of chain.invalidAddresses) {
      let error: unknown;
      try {
        adapter.normalizeAddress(address);
      } catch (caught) {
        error = caught;
      }
      expect(error, address).toBeInstanceOf(AdapterError);
      expect(error, address).toMatchObject({ code: "INVALID_ADDRESS", message: expect.stringMatching(says) });
      await expectAdapterError(
        adapter.prepareTransfer({ from: alice, to: address, asset: native, amount: 1n }),
        "INVALID_ADDRESS",
        says,
      );
      await expectAdapterError(adapter.getBalances([{ address, asset: native }]), "INVALID_ADDRESS", says);
    }
    expect(await balanceOf(alice.address)).toBe(coin);
  });

  test("prepareTransfer: more than the sender holds is INSUFFICIENT_FUNDS before anything is sent", async () => {
    const alice = await chain.fundedSigner(coin);
    const bob = chain.newSigner();
    await expectAdapterError(
      adapter.prepareTransfer({ from: alice, to: bob.address, asset: native, amount: coin + 1n }),
      "INSUFFICIENT_FUNDS",
    );
    expect(
      await adapter.getBalances([alice, bob].map(({ address }) => ({ address, asset: native }))),
    ).toEqual([coin, 0n]);
    // The refusal took no nonce: the next transfer lands.
    await transfer(alice, bob.address, base + 10n);
    expect(await balanceOf(bob.address)).toBe(base + 10n);
  });

  test("prepareTransfer: a zero amount is BAD_AMOUNT", async () => {
    const alice = await chain.fundedSigner(coin);
    await expectAdapterError(
      adapter.prepareTransfer({ from: alice, to: chain.newSigner().address, asset: native, amount: 0n }),
      "BAD_AMOUNT",
    );
  });

  test("resolveAsset: a token the chain does not have is UNKNOWN_ASSET", async () => {
    await expectAdapterError(
      adapter.resolveAsset({ kind: "TOKEN", address: chain.unknownToken }),
      "UNKNOWN_ASSET",
    );
  });

  test("prepareTransfer: a memo over maxMemoBytes (counted in UTF-8 bytes) is MEMO_TOO_LONG; one at the limit lands", async () => {
    const { maxMemoBytes } = adapter.description.capabilities;
    const alice = await chain.fundedSigner(coin);
    const bob = chain.newSigner();
    const send = (memo: string) =>
      adapter.prepareTransfer({ from: alice, to: bob.address, asset: native, amount: base + 1n, memo });
    await expectAdapterError(send("x".repeat(maxMemoBytes + 1)), "MEMO_TOO_LONG");
    if (maxMemoBytes === 0) return;
    await expectAdapterError(send("é".repeat(Math.floor(maxMemoBytes / 2) + 1)), "MEMO_TOO_LONG");
    const { prepared } = await transfer(alice, bob.address, base + 1n, { memo: "x".repeat(maxMemoBytes) });
    expect(prepared.nonce === null || prepared.nonce >= 0n).toBe(true);
    expect(await balanceOf(bob.address)).toBe(base + 1n);
  });

  test("faucet: funds an address with the native asset, included when it resolves (when the chain has one)", async (context) => {
    if (!adapter.description.capabilities.faucet || !adapter.faucet) {
      context.skip();
      return;
    }
    const bob = chain.newSigner();
    const { hash } = await adapter.faucet(bob.address, native, 2n * coin);
    expect((await adapter.getTransactionStatus(hash)).state).toBe("INCLUDED");
    expect(await balanceOf(bob.address)).toBe(2n * coin);
  });

  test("issueAsset: the whole supply is on the issuer's balance, the asset resolves, and it transfers (when the chain issues assets)", async (context) => {
    if (!adapter.description.capabilities.issueAsset || !adapter.issueAsset) {
      context.skip();
      return;
    }
    const issuer = await chain.fundedSigner(coin);
    const supply = 1_000_000n * 100n;
    const asset = await adapter.issueAsset({
      issuer,
      name: "conformance",
      symbol: "CONF",
      decimals: 2,
      supply,
    });
    expect(asset).toMatchObject({
      chainId: adapter.description.id,
      kind: "TOKEN",
      symbol: "CONF",
      decimals: 2,
    });
    expect(asset.id).toBe(`${adapter.description.id}/${asset.address}`);
    expect(await adapter.resolveAsset({ kind: "TOKEN", address: asset.address as string })).toEqual(asset);
    expect(await balanceOf(issuer.address, asset)).toBe(supply);
    const bob = chain.newSigner();
    await transfer(issuer, bob.address, 250n, { asset });
    expect(
      await adapter.getBalances([
        { address: issuer.address, asset },
        { address: bob.address, asset },
      ]),
    ).toEqual([supply - 250n, 250n]);
    await expectAdapterError(
      adapter.prepareTransfer({ from: bob, to: issuer.address, asset, amount: 251n }),
      "INSUFFICIENT_FUNDS",
    );
  });

  test("20 transfers prepared and broadcast at once from one signer all land, on consecutive nonces", async () => {
    const alice = await chain.fundedSigner(10n * coin);
    const bob = chain.newSigner();
    const prepared = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const tx = await adapter.prepareTransfer({
          from: alice,
          to: bob.address,
          asset: native,
          amount: base + BigInt(i + 1),
        });
        await adapter.broadcast(tx);
        return tx;
      }),
    );
    await Promise.all(prepared.map((tx) => waitIncluded(tx.hash)));
    expect(await balanceOf(bob.address)).toBe(20n * base + 210n);
    expect(new Set(prepared.map((tx) => tx.hash)).size).toBe(20);
    const nonces = prepared.map((tx) => tx.nonce);
    if (nonces.every((nonce) => nonce !== null)) {
      const sorted = [...(nonces as bigint[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const first = sorted[0] as bigint;
      expect(sorted).toEqual(sorted.map((_, i) => first + BigInt(i)));
    }
  });
}
