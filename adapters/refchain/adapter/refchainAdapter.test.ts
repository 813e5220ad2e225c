import { bech32m } from "@scure/base";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { keyPairSigner } from "../../../test/conformance/keyPairSigner.ts";
import { AdapterError, type AssetInfo, type ObservedBlock, type Signer } from "../../types.ts";
import { RefchainError } from "../chain/errors.ts";
import { KeyPair } from "../chain/keys.ts";
import { TestChain } from "../chain/testChain.ts";
import { decodeTransaction, signTransaction } from "../chain/transaction.ts";
import { inProcessTransport } from "../client/inProcessTransport.ts";
import { RefchainClient } from "../client/refchainClient.ts";
import { rpcTransport } from "../client/rpcTransport.ts";
import type { RefchainTransport } from "../client/transport.ts";
import { startRefchainServer } from "../rpc/server.ts";
import { RefchainAdapter } from "./refchainAdapter.ts";

const REF = 10n ** 9n;

/** Passes requests through, recording each method and each refusal's reason. */
function spying(inner: RefchainTransport) {
  const requests: string[] = [];
  const refusals: string[] = [];
  const transport: RefchainTransport = {
    name: inner.name,
    request: async (method, params) => {
      requests.push(method);
      try {
        return await inner.request(method, params);
      } catch (error) {
        if (error instanceof RefchainError) refusals.push(error.reason);
        throw error;
      }
    },
    subscribe: (kind, params, listener) => inner.subscribe(kind, params, listener),
    close: () => inner.close(),
  };
  return { transport, requests, refusals };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("RefchainAdapter", () => {
  let chain: TestChain;
  let spy: ReturnType<typeof spying>;
  let adapter: RefchainAdapter;
  let native: AssetInfo;

  beforeAll(async () => {
    chain = TestChain.open({ blockTimeMs: 0 });
    spy = spying(inProcessTransport(chain.node));
    adapter = await RefchainAdapter.connect(new RefchainClient(spy.transport));
    native = adapter.description.nativeAsset;
  });
  afterAll(async () => {
    await adapter?.close();
    await chain?.close();
  });

  const funded = async (amount: bigint): Promise<Signer> => {
    const key = KeyPair.generate();
    await adapter.faucet(key.address, native, amount);
    return keyPairSigner(key);
  };
  const balanceOf = async (address: string, asset = native) =>
    (await adapter.getBalances([{ address, asset }]))[0];

  test("description: refchain:local, native REF with 9 decimals, faucet on a dev chain, final at inclusion", () => {
    expect(adapter.description).toEqual({
      id: "refchain:local",
      kind: "REFCHAIN",
      name: "refchain (local)",
      nativeAsset: {
        id: "refchain:local/native",
        chainId: "refchain:local",
        kind: "NATIVE",
        symbol: "REF",
        decimals: 9,
        address: null,
      },
      capabilities: {
        faucet: true,
        issueAsset: true,
        maxMemoBytes: 256,
        reorgs: false,
        finalityDepth: 1,
        minimumBalance: 0n,
      },
    });
    expect(adapter.keyScheme).toBe("ed25519");
  });

  test("getBalances: a batch of addresses and assets is one request to the node", async () => {
    const keys = await Promise.all([funded(1n), funded(2n), funded(3n)]);
    spy.requests.length = 0;
    const balances = await adapter.getBalances(
      [...keys, ...keys].map(({ address }) => ({ address, asset: native })),
    );
    expect(balances).toEqual([1n, 2n, 3n, 1n, 2n, 3n]);
    expect(spy.requests).toEqual(["refchain_getBalances"]);
  });

  test("prepareTransfer: the bytes are exactly what signTransaction makes with the sender's KeyPair", async () => {
    const key = KeyPair.generate();
    await adapter.faucet(key.address, native, REF);
    const to = KeyPair.generate().address;
    const prepared = await adapter.prepareTransfer({
      from: keyPairSigner(key),
      to,
      asset: native,
      amount: 5n,
      memo: "rent",
    });
    const decoded = decodeTransaction(prepared.raw);
    expect(decoded).toMatchObject({ from: key.address, nonce: 0n, expiry: prepared.validUntilHeight });
    expect(decoded.payload).toEqual({ kind: "transfer", asset: "REF", to, amount: 5n, memo: "rent" });
    const reference = signTransaction(
      {
        chainId: decoded.chainId,
        from: decoded.from,
        nonce: decoded.nonce,
        expiry: decoded.expiry,
        payload: decoded.payload,
      },
      key,
    );
    expect(prepared.raw).toEqual(reference.raw);
    expect(prepared.hash).toBe(reference.hash);
    expect(prepared).toMatchObject({ nonce: 0n, fee: 0n });
    expect(prepared.validUntilHeight).toBe(chain.node.head.height + 600n);
  });

  test("normalizeAddress: upper case and surrounding spaces normalize; mixed case and a short key are refused with a reason", () => {
    const { address } = KeyPair.generate();
    expect(adapter.normalizeAddress(` ${address.toUpperCase()}\n`)).toBe(address);
    const mixed = `R${address.slice(1)}`;
    expect(() => adapter.normalizeAddress(mixed)).toThrow(/mixes upper and lower case/);
    expect(() => adapter.normalizeAddress("")).toThrow(/An address is required/);
    const short = bech32m.encode("ref", bech32m.toWords(new Uint8Array(20)));
    expect(() => adapter.normalizeAddress(short)).toThrow(/holds 20 bytes/);
  });

  test("prepareTransfer: INSUFFICIENT_FUNDS says what the sender has and needs, in REF", async () => {
    const alice = await funded(1_500_000_000n);
    const error = await caught(
      adapter.prepareTransfer({
        from: alice,
        to: KeyPair.generate().address,
        asset: native,
        amount: 2n * REF,
      }),
    );
    expect(error).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
      message: `${alice.address} holds 1.5 REF; the transfer needs 2 REF.`,
    });
  });

  test("prepareTransfer: an asset of another chain or a malformed token id is UNKNOWN_ASSET", async () => {
    const alice = await funded(REF);
    const elsewhere = { ...native, id: "eip155:1/native", chainId: "eip155:1" };
    await expect(
      adapter.prepareTransfer({ from: alice, to: alice.address, asset: elsewhere, amount: 1n }),
    ).rejects.toMatchObject({ code: "UNKNOWN_ASSET", message: expect.stringContaining("eip155:1") });
    await expect(adapter.resolveAsset({ kind: "TOKEN", address: "not a token" })).rejects.toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringContaining("<subnet>/<SYMBOL>"),
    });
  });

  test("broadcast: a transaction whose lower nonce arrives later waits for it instead of failing", async () => {
    const alice = await funded(REF);
    const bob = KeyPair.generate().address;
    const first = await adapter.prepareTransfer({ from: alice, to: bob, asset: native, amount: 1n });
    const second = await adapter.prepareTransfer({ from: alice, to: bob, asset: native, amount: 2n });
    spy.refusals.length = 0;
    const sendingSecond = adapter.broadcast(second);
    await vi.waitFor(() => expect(spy.refusals).toContain("NONCE_GAP"));
    await adapter.broadcast(first);
    await sendingSecond;
    await chain.node.waitForInclusion(second.hash);
    expect(await balanceOf(bob)).toBe(3n);
  });

  test("broadcast: a refusal is REJECTED naming the reason, and the next transfer re-reads the nonce", async () => {
    const alice = await funded(10n);
    const bob = KeyPair.generate().address;
    // Both pass the pre-flight check against the same balance; the chain admits only the first.
    const first = await adapter.prepareTransfer({ from: alice, to: bob, asset: native, amount: 10n });
    const second = await adapter.prepareTransfer({ from: alice, to: bob, asset: native, amount: 10n });
    await adapter.broadcast(first);
    const error = await caught(adapter.broadcast(second));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: "REJECTED", message: expect.stringContaining("INSUFFICIENT_FUNDS") });
    await chain.node.waitForInclusion(first.hash);
    await adapter.faucet(alice.address, native, 4n);
    const third = await adapter.prepareTransfer({ from: alice, to: bob, asset: native, amount: 4n });
    expect(third.nonce).toBe(second.nonce);
    await adapter.broadcast(third);
    await chain.node.waitForInclusion(third.hash);
    expect(await balanceOf(bob)).toBe(14n);
  });

  test("faucet: a token is UNSUPPORTED", async () => {
    const issuer = keyPairSigner(KeyPair.generate());
    const token = await adapter.issueAsset({
      issuer,
      name: "faucet",
      symbol: "TKN",
      decimals: 0,
      supply: 5n,
    });
    await expect(adapter.faucet(issuer.address, token, 1n)).rejects.toMatchObject({ code: "UNSUPPORTED" });
  });

  test("issueAsset: a bad symbol, decimals or supply is refused before anything is sent", async () => {
    const issuer = keyPairSigner(KeyPair.generate());
    const request = { issuer, name: "acme", symbol: "ACME", decimals: 2, supply: 100n };
    await expect(adapter.issueAsset({ ...request, symbol: "acme" })).rejects.toMatchObject({
      code: "REJECTED",
    });
    await expect(adapter.issueAsset({ ...request, decimals: 19 })).rejects.toMatchObject({
      code: "BAD_AMOUNT",
    });
    await expect(adapter.issueAsset({ ...request, supply: 0n })).rejects.toMatchObject({
      code: "BAD_AMOUNT",
    });
    await expect(adapter.issueAsset({ ...request, name: "" })).rejects.toMatchObject({ code: "REJECTED" });
    expect(chain.node.getNonce(issuer.address)).toEqual({ committed: 0n, pending: 0n });
  });

  describe("watch", () => {
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(stops.splice(0).map((stop) => stop()));
    });

    test("awaits each onBlock before delivering the next, and stop waits for the delivery in progress", async () => {
      const alice = await funded(REF);
      const from = chain.node.head.height + 1n;
      let active = 0;
      let overlapped = false;
      const delivered: bigint[] = [];
      const errors: Error[] = [];
      let release: (() => void) | undefined;
      const stop = await adapter.watch({
        fromHeight: from,
        onBlock: async (block) => {
          active++;
          if (active > 1) overlapped = true;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          delivered.push(block.height);
          active--;
        },
        onError: (error) => errors.push(error),
      });
      for (let i = 0; i < 3; i++) {
        const tx = await adapter.prepareTransfer({
          from: alice,
          to: alice.address,
          asset: native,
          amount: 1n,
        });
        await adapter.broadcast(tx);
        await chain.node.waitForInclusion(tx.hash);
      }
      for (let i = 0; i < 2; i++) {
        await vi.waitFor(() => expect(release).toBeDefined());
        const resume = release as () => void;
        release = undefined;
        resume();
      }
      await vi.waitFor(() => expect(release).toBeDefined());
      const stopping = stop();
      (release as unknown as () => void)();
      await stopping;
      expect(delivered).toEqual([from, from + 1n, from + 2n]);
      expect(overlapped).toBe(false);
      expect(errors).toEqual([]);
    });

    test("an onBlock that throws ends the watch through onError", async () => {
      const errors: Error[] = [];
      const stop = await adapter.watch({
        fromHeight: 0n,
        onBlock: () => {
          throw new Error("tracker failed");
        },
        onError: (error) => errors.push(error),
      });
      stops.push(stop);
      await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual(["tracker failed"]));
    });
  });
});

describe("RefchainAdapter on other nodes", () => {
  test("over JSON-RPC, a node that goes away: reads and broadcasts are UNAVAILABLE, a live watch ends through onError", async () => {
    const chain = TestChain.open({ blockTimeMs: 0 });
    const server = await startRefchainServer({ node: chain.node, port: 0 });
    let serverClosed: Promise<void> | undefined;
    const closeServer = () => {
      serverClosed ??= server.close();
      return serverClosed;
    };
    const adapter = await RefchainAdapter.connect(new RefchainClient(rpcTransport(server.url)));
    try {
      const native = adapter.description.nativeAsset;
      const key = KeyPair.generate();
      await adapter.faucet(key.address, native, REF);
      const prepared = await adapter.prepareTransfer({
        from: keyPairSigner(key),
        to: key.address,
        asset: native,
        amount: 1n,
      });
      const errors: Error[] = [];
      const blocks: ObservedBlock[] = [];
      await adapter.watch({
        onBlock: (block) => void blocks.push(block),
        onError: (error) => errors.push(error),
      });
      await closeServer();
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      await expect(adapter.head()).rejects.toMatchObject({ code: "UNAVAILABLE" });
      await expect(adapter.broadcast(prepared)).rejects.toMatchObject({
        code: "UNAVAILABLE",
        message: expect.stringContaining("cannot reach the refchain node"),
      });
    } finally {
      await adapter.close();
      await closeServer();
      await chain.close();
    }
  });

  test("a chain without a faucet says so in its capabilities, and faucet() is UNSUPPORTED", async () => {
    const chain = TestChain.open({ blockTimeMs: 0, dev: false });
    const adapter = await RefchainAdapter.connect(new RefchainClient(inProcessTransport(chain.node)));
    try {
      expect(adapter.description.capabilities.faucet).toBe(false);
      await expect(
        adapter.faucet(KeyPair.generate().address, adapter.description.nativeAsset, 1n),
      ).rejects.toMatchObject({ code: "UNSUPPORTED" });
    } finally {
      await adapter.close();
      await chain.close();
    }
  });
});
