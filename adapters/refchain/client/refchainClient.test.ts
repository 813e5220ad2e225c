import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { RefchainError } from "../chain/errors.ts";
import { KeyPair } from "../chain/keys.ts";
import { RefchainNode } from "../chain/node.ts";
import { NATIVE_ASSET } from "../chain/state.ts";
import { signTransaction, type TxPayload } from "../chain/transaction.ts";
import { RpcError, RpcErrorCode } from "../rpc/rpcError.ts";
import { startRefchainServer } from "../rpc/server.ts";
import { inProcessTransport } from "./inProcessTransport.ts";
import { RefchainClient } from "./refchainClient.ts";
import type { BlockHeaderInfo, TransferEvent } from "./refchainTypes.ts";
import { rpcTransport } from "./rpcTransport.ts";
import type { RefchainTransport } from "./transport.ts";

interface Connection {
  transport: RefchainTransport;
  close(): Promise<void>;
}

// One suite, every transport: the client must behave the same embedded and over the wire.
const transports: { name: string; connect(node: RefchainNode): Promise<Connection> }[] = [
  {
    name: "inProcessTransport",
    connect: async (node) => ({ transport: inProcessTransport(node), close: async () => {} }),
  },
  {
    name: "rpcTransport",
    connect: async (node) => {
      const server = await startRefchainServer({ node, port: 0 });
      return { transport: rpcTransport(server.url), close: () => server.close() };
    },
  },
];

/** A transport that counts the requests passing through it, to prove batching. */
function counting(inner: RefchainTransport): RefchainTransport & { requests: string[] } {
  const requests: string[] = [];
  return {
    name: inner.name,
    requests,
    request: (method, params) => {
      requests.push(method);
      return inner.request(method, params);
    },
    subscribe: (kind, params, listener) => inner.subscribe(kind, params, listener),
    close: () => inner.close(),
  };
}

for (const { name, connect } of transports) {
  describe(name, () => {
    let dataDir: string;
    let node: RefchainNode;
    let connection: Connection;
    let client: RefchainClient;
    const nonces = new Map<string, bigint>();

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "refchain-client-"));
      // Blocks come only when a test produces one (the hour-long timer never fires in a run), so each
      // test decides what is still pending and what is durable.
      node = RefchainNode.open({ dataDir, blockTimeMs: 3_600_000, verifierThreads: 1 });
      connection = await connect(node);
      client = new RefchainClient(connection.transport);
    });
    afterAll(async () => {
      await client?.close();
      await connection?.close();
      await node?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Waits for the transaction through the client while a block is produced: resolves once it is durable. */
    const include = (hash: string) => {
      const waiting = client.waitForTransaction(hash);
      node.produceBlock();
      return waiting;
    };
    const sign = (key: KeyPair, payload: TxPayload, nonce?: bigint) => {
      const next = nonce ?? nonces.get(key.address) ?? 0n;
      if (nonce === undefined) nonces.set(key.address, next + 1n);
      return signTransaction(
        { chainId: node.chainId, from: key.address, nonce: next, expiry: node.head.height + 100n, payload },
        key,
      );
    };
    const transfer = (to: KeyPair, amount: bigint, memo = ""): TxPayload => ({
      kind: "transfer",
      asset: NATIVE_ASSET,
      to: to.address,
      amount,
      memo,
    });
    const funded = async (amount: bigint) => {
      const key = KeyPair.generate();
      await include((await client.requestFaucet(key.address, amount)).hash);
      return key;
    };
    const balanceOf = async (key: KeyPair, asset = NATIVE_ASSET) =>
      (await client.getBalances([{ address: key.address, asset }]))[0];

    test("requestFaucet: the amount shows in getBalances once its block is durable, not before", async () => {
      const key = KeyPair.generate();
      const { hash } = await client.requestFaucet(key.address, 5_000n);
      expect(await balanceOf(key)).toBe(0n);
      const included = await include(hash);
      expect(included.status).toBe("included");
      expect(await balanceOf(key)).toBe(5_000n);
    });

    test("sendTransaction + waitForTransaction: a signed transfer has moved both balances and carries its receipt", async () => {
      const alice = await funded(10_000n);
      const bob = KeyPair.generate();
      const tx = sign(alice, transfer(bob, 1_234n, "rent"));
      const { hash } = await client.sendTransaction(tx.raw);
      expect(hash).toBe(tx.hash);
      const included = await include(hash);
      expect(included).toMatchObject({
        status: "included",
        hash,
        from: alice.address,
        nonce: 0n,
        height: node.head.height,
        index: 0,
      });
      expect(included.receipt.events).toEqual([
        {
          type: "Transfer",
          asset: NATIVE_ASSET,
          subnet: null,
          from: alice.address,
          to: bob.address,
          amount: 1_234n,
          memo: "rent",
        },
      ]);
      expect(
        await client.getBalances([
          { address: alice.address, asset: NATIVE_ASSET },
          { address: bob.address, asset: NATIVE_ASSET },
        ]),
      ).toEqual([8_766n, 1_234n]);
    });

    test("getTransaction: pending while admitted, included with its block once durable, null when unknown", async () => {
      const alice = await funded(100n);
      const tx = sign(alice, transfer(KeyPair.generate(), 1n));
      await client.sendTransaction(tx.raw);
      const pending = await client.getTransaction(tx.hash);
      expect(pending).toMatchObject({
        status: "pending",
        hash: tx.hash,
        payload: { kind: "transfer", amount: 1n },
      });
      expect(pending?.raw).toEqual(tx.raw);
      await include(tx.hash);
      const included = await client.getTransaction(tx.hash);
      expect(included).toMatchObject({
        status: "included",
        height: node.head.height,
        blockHash: Buffer.from(node.head.hash).toString("hex"),
      });
      expect(await client.getTransaction("00".repeat(32))).toBeNull();
    });

    test("getBalances: many addresses and assets are answered in one request, in the order asked", async () => {
      const keys = [KeyPair.generate(), KeyPair.generate(), KeyPair.generate()];
      await Promise.all(keys.map((key, i) => client.requestFaucet(key.address, BigInt(i + 1))));
      node.produceBlock();
      const addresses = keys.map((key) => key.address);
      const stranger = KeyPair.generate().address;
      const counter = counting(connection.transport);
      const balances = await new RefchainClient(counter).getBalances([
        ...addresses.map((address) => ({ address, asset: NATIVE_ASSET })),
        { address: stranger, asset: NATIVE_ASSET },
        { address: addresses[0] as string, asset: "NO-SUCH-ASSET" },
      ]);
      expect(balances).toEqual([1n, 2n, 3n, 0n, 0n]);
      expect(counter.requests).toEqual(["refchain_getBalances"]);
    });

    test("getNonce: pending counts admitted transactions, committed only durable ones", async () => {
      const alice = await funded(100n);
      expect(await client.getNonce(alice.address)).toEqual({ committed: 0n, pending: 0n });
      await client.sendTransaction(sign(alice, transfer(KeyPair.generate(), 1n)).raw);
      const second = sign(alice, transfer(KeyPair.generate(), 1n));
      await client.sendTransaction(second.raw);
      expect(await client.getNonce(alice.address)).toEqual({ committed: 0n, pending: 2n });
      await include(second.hash);
      expect(await client.getNonce(alice.address)).toEqual({ committed: 2n, pending: 2n });
    });

    test("head and getBlock: the head is the latest block, getBlock lists its transaction hashes, beyond the head is null", async () => {
      const alice = await funded(100n);
      const tx = sign(alice, transfer(KeyPair.generate(), 5n));
      await client.sendTransaction(tx.raw);
      const { height } = await include(tx.hash);
      const head = await client.head();
      expect(head).toMatchObject({
        chainId: node.chainId,
        height,
        txCount: 1,
        hash: Buffer.from(node.head.hash).toString("hex"),
      });
      expect(await client.getBlock(height)).toEqual({ header: head, transactions: [tx.hash] });
      expect(await client.getBlock("latest")).toEqual({ header: head, transactions: [tx.hash] });
      const parent = await client.getBlock(height - 1n);
      expect(parent?.header.hash).toBe(head.parentHash);
      expect(await client.getBlock(height + 1n)).toBeNull();
      expect((await client.getBlock(0n))?.header.height).toBe(0n);
    });

    test("getBlock with includeTransactions: each transaction's hash, sender, nonce and events in block order, in one request", async () => {
      const alice = await funded(100n);
      const bob = KeyPair.generate();
      const first = sign(alice, transfer(bob, 5n, "one"));
      const second = sign(alice, { kind: "registerSubnet", name: "blocks" });
      await client.sendTransaction(first.raw);
      await client.sendTransaction(second.raw);
      const { height } = await include(second.hash);
      const counter = counting(connection.transport);
      const block = await new RefchainClient(counter).getBlock(height, { includeTransactions: true });
      expect(counter.requests).toEqual(["refchain_getBlock"]);
      expect(block?.header).toEqual(await client.head());
      expect(block?.transactions).toEqual([
        {
          hash: first.hash,
          from: alice.address,
          nonce: 0n,
          events: [
            {
              type: "Transfer",
              asset: NATIVE_ASSET,
              subnet: null,
              from: alice.address,
              to: bob.address,
              amount: 5n,
              memo: "one",
            },
          ],
        },
        {
          hash: second.hash,
          from: alice.address,
          nonce: 1n,
          events: [
            {
              type: "SubnetRegistered",
              subnet: `s${second.hash.slice(0, 16)}`,
              owner: alice.address,
              name: "blocks",
            },
          ],
        },
      ]);
      // Without the flag the answer is as before: hashes only.
      expect((await client.getBlock(height))?.transactions).toEqual([first.hash, second.hash]);
      expect((await client.getBlock(0n, { includeTransactions: true }))?.transactions).toEqual([]);
      expect(await client.getBlock(height + 1n, { includeTransactions: true })).toBeNull();
      await expect(
        connection.transport.request("refchain_getBlock", ["latest", "yes" as never]),
      ).rejects.toMatchObject({
        code: RpcErrorCode.InvalidParams,
        message: expect.stringContaining("params[1] (includeTransactions) must be true or false"),
      });
    });

    test("chainInfo: names the chain, its faucet, its native asset and genesis", async () => {
      const info = await client.chainInfo();
      expect(info).toMatchObject({
        chainId: "refchain:local",
        faucetAddress: node.faucetAddress,
        faucetEnabled: true,
        nativeAsset: NATIVE_ASSET,
        nativeDecimals: 9,
        blockTimeMs: 3_600_000,
      });
      expect(info.faucetMaxPerRequest).toBe(1_000_000n * 10n ** 9n);
      expect(info.genesisHash).toBe((await client.getBlock(0n))?.header.hash);
    });

    test("getSubnet and getAsset: a registered subnet and an issued asset read back, the supply a bigint", async () => {
      const owner = await funded(100n);
      const registered = await client.sendTransaction(
        sign(owner, { kind: "registerSubnet", name: "acme" }).raw,
      );
      const event = (await include(registered.hash)).receipt.events[0];
      const subnet = event?.type === "SubnetRegistered" ? event.subnet : "";
      expect(await client.getSubnet(subnet)).toEqual({ id: subnet, owner: owner.address, name: "acme" });
      const supply = 2n ** 100n;
      const issued = await client.sendTransaction(
        sign(owner, { kind: "issueAsset", subnet, symbol: "ACME", decimals: 2, supply, to: owner.address })
          .raw,
      );
      await include(issued.hash);
      expect(await client.getAsset(`${subnet}/ACME`)).toEqual({
        id: `${subnet}/ACME`,
        subnet,
        symbol: "ACME",
        decimals: 2,
        issuer: owner.address,
        supply,
      });
      expect(await balanceOf(owner, `${subnet}/ACME`)).toBe(supply);
      expect(await client.getSubnet("s-none")).toBeNull();
      expect(await client.getAsset("NONE")).toBeNull();
    });

    test("subscribeHeads: every produced block arrives in order, and none after unsubscribing", async () => {
      const heads: BlockHeaderInfo[] = [];
      const unsubscribe = await client.subscribeHeads({ onHead: (head) => heads.push(head) });
      const produced = [node.produceBlock(), node.produceBlock(), node.produceBlock()];
      await vi.waitFor(() => expect(heads).toHaveLength(3));
      expect(heads.map((h) => h.height)).toEqual(produced.map((h) => h.height));
      expect(heads.map((h) => h.hash)).toEqual(produced.map((h) => Buffer.from(h.hash).toString("hex")));
      expect(heads[1]?.parentHash).toBe(heads[0]?.hash);

      await unsubscribe();
      const later: BlockHeaderInfo[] = [];
      const unsubscribeLater = await client.subscribeHeads({ onHead: (head) => later.push(head) });
      node.produceBlock();
      await vi.waitFor(() => expect(later).toHaveLength(1));
      // Results reach listeners in block order, so the first would have had it by now.
      expect(heads).toHaveLength(3);
      await unsubscribeLater();
    });

    test("subscribeTransfers: only transfers touching a watched address (and asset) arrive, with amount, memo and tx hash", async () => {
      const alice = await funded(1_000n);
      const bob = KeyPair.generate();
      const carol = KeyPair.generate();
      const toCarol: TransferEvent[] = [];
      const all: TransferEvent[] = [];
      const stopCarol = await client.subscribeTransfers({
        addresses: [carol.address],
        asset: NATIVE_ASSET,
        onTransfer: (t) => toCarol.push(t),
      });
      const stopOtherAsset = await client.subscribeTransfers({
        asset: "OTHER",
        onTransfer: (t) => all.push(t),
      });
      const unwatched = sign(alice, transfer(bob, 3n));
      const watched = sign(alice, transfer(carol, 7n, "for carol"));
      await client.sendTransaction(unwatched.raw);
      await client.sendTransaction(watched.raw);
      const header = node.produceBlock();
      await vi.waitFor(() => expect(toCarol).toHaveLength(1));
      expect(toCarol[0]).toEqual({
        height: header.height,
        blockHash: Buffer.from(header.hash).toString("hex"),
        txHash: watched.hash,
        txIndex: 1,
        asset: NATIVE_ASSET,
        subnet: null,
        from: alice.address,
        to: carol.address,
        amount: 7n,
        memo: "for carol",
      });
      expect(all).toEqual([]);
      await stopCarol();
      await stopOtherAsset();
    });

    describe("refusals come back as RefchainError with the node's reason", () => {
      test("a bad signature", async () => {
        const alice = await funded(100n);
        const forged = new Uint8Array(sign(alice, transfer(KeyPair.generate(), 1n), 0n).raw);
        forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
        await expect(client.sendTransaction(forged)).rejects.toMatchObject({
          name: "RefchainError",
          reason: "BAD_SIGNATURE",
        });
      });

      test("a nonce already used", async () => {
        const alice = await funded(100n);
        const first = sign(alice, transfer(KeyPair.generate(), 1n));
        await client.sendTransaction(first.raw);
        await include(first.hash);
        const error = await client
          .sendTransaction(sign(alice, transfer(KeyPair.generate(), 2n), 0n).raw)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RefchainError);
        expect(error).toMatchObject({
          reason: "NONCE_USED",
          message: expect.stringMatching(/nonce 0 .* already used; next is 1/),
        });
      });

      test("insufficient funds", async () => {
        const alice = await funded(100n);
        await expect(
          client.sendTransaction(sign(alice, transfer(KeyPair.generate(), 101n)).raw),
        ).rejects.toMatchObject({
          reason: "INSUFFICIENT_FUNDS",
        });
        expect(await balanceOf(alice)).toBe(100n);
      });

      test("an address with a bad checksum", async () => {
        const address = KeyPair.generate().address;
        const typo = `${address.slice(0, -1)}${address.endsWith("q") ? "p" : "q"}`;
        await expect(client.getNonce(typo)).rejects.toMatchObject({ reason: "BAD_ADDRESS" });
        await expect(client.requestFaucet(typo, 1n)).rejects.toMatchObject({ reason: "BAD_ADDRESS" });
        // The faucet still works afterwards: a refused request spends none of its nonces.
        const key = KeyPair.generate();
        await include((await client.requestFaucet(key.address, 9n)).hash);
        expect(await balanceOf(key)).toBe(9n);
      });
    });

    test("a parameter of the wrong type is an RpcError -32602 naming it", async () => {
      const error = await connection.transport
        .request("refchain_getBalances", ["ref1" as never])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({
        code: RpcErrorCode.InvalidParams,
        message: expect.stringContaining("params[0] (queries) must be an array"),
      });
      await expect(client.requestFaucet(KeyPair.generate().address, -5n)).rejects.toMatchObject({
        code: RpcErrorCode.InvalidParams,
        message: expect.stringContaining("params[1] (amount) must be a decimal string"),
      });
    });

    test("waitForTransaction: gives up after timeoutMs with an RpcError; the transaction stays pending and lands later", async () => {
      const alice = await funded(100n);
      const tx = sign(alice, transfer(KeyPair.generate(), 1n));
      await client.sendTransaction(tx.raw);
      await expect(client.waitForTransaction(tx.hash, { timeoutMs: 20 })).rejects.toMatchObject({
        code: RpcErrorCode.Timeout,
      });
      expect((await client.getTransaction(tx.hash))?.status).toBe("pending");
      expect((await include(tx.hash)).status).toBe("included");
    });
  });
}
