import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, erc20Abi, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { newSecp256k1Signer } from "../../test/conformance/secp256k1Signer.ts";
import { type Anvil, restartAnvil, startAnvil } from "../../test/support/evm/anvil.ts";
import { deployTestToken } from "../../test/support/evm/deployTestToken.ts";
import { type AnvilRequest, anvilRequest, devWallet } from "../../test/support/evm/devWallet.ts";
import {
  AdapterError,
  type AssetInfo,
  type ChainAdapter,
  type ObservedBlock,
  type Signer,
} from "../types.ts";
import { createEvmAdapters } from "./createEvmAdapters.ts";

// What the conformance suite cannot say about EVM: ERC-20 tokens, fees, reorgs, replaced and
// dropped transactions, an unreachable node. Against a real anvil throughout.

const WAIT = { timeout: 20_000, interval: 20 };
const ETH = 10n ** 18n;

let anvil: Anvil;
let adapter: ChainAdapter;
let eth: AssetInfo;
let rpc: PublicClient;
let anvilCall: AnvilRequest;
const dataDir = mkdtempSync(join(tmpdir(), "evm-adapter-"));

async function openAdapter(url: string, env: Record<string, string> = {}): Promise<ChainAdapter> {
  const [opened] = await createEvmAdapters({
    dataDir,
    env: { EVM_RPC_URLS: url, EVM_POLL_INTERVAL_MS: "20", ...env },
  });
  if (!opened) throw new Error("no adapter");
  return opened;
}

beforeAll(async () => {
  anvil = await startAnvil();
  adapter = await openAdapter(anvil.url, { EVM_FINALITY_DEPTHS: "31337=2" });
  eth = adapter.description.nativeAsset;
  rpc = createPublicClient({ transport: http(anvil.url) });
  anvilCall = anvilRequest(rpc);
});
afterAll(async () => {
  await adapter?.close();
  await anvil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function funded(amount = ETH): Promise<Signer> {
  const signer = newSecp256k1Signer();
  await adapter.faucet?.(signer.address, eth, amount);
  return signer;
}

async function included(hash: string) {
  return vi.waitFor(async () => {
    const status = await adapter.getTransactionStatus(hash);
    if (status.state !== "INCLUDED") throw new Error(`${hash} is ${status.state}`);
    return status;
  }, WAIT);
}

/** The ETH `address` holds, in wei. */
const ethBalanceOf = async (address: string) => (await adapter.getBalances([{ address, asset: eth }]))[0];

/** A transfer signed with its nonce reserved, not yet broadcast. */
const prepare = (from: Signer, to: string, amount: bigint, asset = eth) =>
  adapter.prepareTransfer({ from, to, amount, asset });

async function send(from: Signer, to: string, amount: bigint, asset = eth) {
  const prepared = await prepare(from, to, amount, asset);
  await adapter.broadcast(prepared);
  return { prepared, status: await included(prepared.hash) };
}

async function rejection(promise: Promise<unknown>): Promise<AdapterError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(error)}`);
  return error;
}

describe("the chain", () => {
  test("eip155:<chainId>, ETH with 18 decimals, the finality depth configured for it, a faucet on anvil, no memos", () => {
    expect(adapter.description).toMatchObject({
      id: "eip155:31337",
      kind: "EVM",
      nativeAsset: { symbol: "ETH", decimals: 18 },
      capabilities: {
        faucet: true,
        issueAsset: false,
        maxMemoBytes: 0,
        reorgs: true,
        finalityDepth: 2,
        minimumBalance: 0n,
      },
    });
  });

  test("addresses: lower and upper case are accepted and answered checksummed (EIP-55)", () => {
    const address = newSecp256k1Signer().address;
    expect(adapter.normalizeAddress(address.toLowerCase())).toBe(address);
    expect(adapter.normalizeAddress(`0x${address.slice(2).toUpperCase()}`)).toBe(address);
  });

  test("a transfer's fee is gas used × effective gas price, and is exactly what the sender's ETH lost beyond the amount", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    const { status } = await send(alice, bob.address, 1000n);
    expect(status.fee).toBeGreaterThan(0n);
    expect(await adapter.getBalances([alice, bob].map(({ address }) => ({ address, asset: eth })))).toEqual([
      ETH - 1000n - (status.fee as bigint),
      1000n,
    ]);
  });

  test("the fee counts: more than the balance less the fee is INSUFFICIENT_FUNDS, naming the fee", async () => {
    const alice = await funded(ETH);
    const error = await rejection(prepare(alice, newSecp256k1Signer().address, ETH));
    expect(error).toMatchObject({ code: "INSUFFICIENT_FUNDS", message: expect.stringMatching(/in fees/) });
  });
});

describe("ERC-20 tokens", () => {
  let token: AssetInfo;

  beforeAll(async () => {
    const { address } = await deployTestToken({
      rpcUrl: anvil.url,
      symbol: "USDT",
      decimals: 6,
      supply: 10n ** 12n,
    });
    token = await adapter.resolveAsset({ kind: "TOKEN", address: address.toLowerCase() });
  });

  test("resolveAsset reads symbol and decimals from the contract; the id is the checksummed address", () => {
    expect(token).toEqual({
      id: `eip155:31337/${token.address}`,
      chainId: "eip155:31337",
      kind: "TOKEN",
      symbol: "USDT",
      decimals: 6,
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
    });
    expect(token.address).toBe(adapter.normalizeAddress(token.address as string));
  });

  test("an address without code, and a contract that is not an ERC-20, are UNKNOWN_ASSET saying so", async () => {
    const nobody = newSecp256k1Signer().address;
    expect(await rejection(adapter.resolveAsset({ kind: "TOKEN", address: nobody }))).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringMatching(/no contract/),
    });
    // A contract whose every call reverts (runtime code PUSH1 0 PUSH1 0 REVERT).
    const hash = await devWallet(anvil.url).deployContract({
      abi: [],
      bytecode: "0x6005600c60003960056000f360006000fd",
      chain: null,
    });
    const receipt = await rpc.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    const contract = receipt.contractAddress as Hex;
    expect(await rejection(adapter.resolveAsset({ kind: "TOKEN", address: contract }))).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringMatching(/not an ERC-20/),
    });
    expect(await rejection(adapter.resolveAsset({ kind: "TOKEN", address: "0x1234" }))).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: expect.stringMatching(/40 hex digits/),
    });
  });

  test("the faucet gives a token from the dev account that holds it; the transfer moves exact token units, the fee in ETH", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    await adapter.faucet?.(alice.address, token, 5_000_000n);
    const { status } = await send(alice, bob.address, 1_250_000n, token);
    expect(
      await adapter.getBalances([
        { address: alice.address, asset: token },
        { address: bob.address, asset: token },
        { address: alice.address, asset: eth },
      ]),
    ).toEqual([3_750_000n, 1_250_000n, ETH - (status.fee as bigint)]);
  });

  test("more tokens than held, or no ETH for the fee, are INSUFFICIENT_FUNDS before anything is sent", async () => {
    const alice = await funded(ETH);
    await adapter.faucet?.(alice.address, token, 100n);
    const bob = newSecp256k1Signer().address;
    expect(await rejection(prepare(alice, bob, 101n, token))).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
      message: expect.stringMatching(/holds 0.0001 USDT/),
    });
    const carol = newSecp256k1Signer();
    await adapter.faucet?.(carol.address, token, 100n);
    expect(await rejection(prepare(carol, bob, 100n, token))).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
      message: expect.stringMatching(/fee/),
    });
  });

  test("a token no dev account holds cannot come from the faucet: UNSUPPORTED", async () => {
    const issuer = await funded(ETH);
    // Deployed by a key of the test's, not one of anvil's accounts.
    const key = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}` as Hex;
    const wallet = createWalletClient({ account: privateKeyToAccount(key), transport: http(anvil.url) });
    await adapter.faucet?.(wallet.account.address, eth, ETH);
    const { address } = await deployTestToken({ rpcUrl: anvil.url, privateKey: key, supply: 1000n });
    const other = await adapter.resolveAsset({ kind: "TOKEN", address });
    expect(await rejection(adapter.faucet?.(issuer.address, other, 1n) ?? Promise.resolve())).toMatchObject({
      code: "UNSUPPORTED",
    });
  });

  test("watch: an ERC-20 transfer is a transfer of the token, from the Transfer log; also one sent by an outside wallet", async () => {
    const alice = await funded(ETH);
    await adapter.faucet?.(alice.address, token, 1_000n);
    const bob = newSecp256k1Signer();
    const outside = devWallet(anvil.url);
    const blocks: ObservedBlock[] = [];
    const stop = await adapter.watch({ onBlock: (block) => void blocks.push(block), onError: () => {} });
    try {
      const { prepared } = await send(alice, bob.address, 400n, token);
      const outsideHash = await outside.writeContract({
        address: token.address as Hex,
        abi: erc20Abi,
        functionName: "transfer",
        args: [bob.address as Hex, 7n],
        chain: null,
      });
      const transfers = () => blocks.flatMap((block) => block.transfers);
      await vi.waitFor(() => expect(transfers().map((t) => t.txHash)).toContain(outsideHash), WAIT);
      expect(transfers()).toEqual([
        expect.objectContaining({
          txHash: prepared.hash,
          from: alice.address,
          to: bob.address,
          asset: token,
          amount: 400n,
        }),
        expect.objectContaining({
          txHash: outsideHash,
          to: bob.address,
          asset: token,
          amount: 7n,
          memo: null,
        }),
      ]);
    } finally {
      await stop();
    }
  });
});

describe("reorgs", () => {
  /** Watches, runs `meanwhile`, and returns blocks and rollbacks in the order they came. */
  async function watchWhile(
    meanwhile: (seen: { blocks: ObservedBlock[]; rollbacks: bigint[] }) => Promise<void>,
  ) {
    const seen = { blocks: [] as ObservedBlock[], rollbacks: [] as bigint[] };
    const errors: Error[] = [];
    const stop = await adapter.watch({
      onBlock: (block) => void seen.blocks.push(block),
      onRollback: (height) => void seen.rollbacks.push(height),
      onError: (error) => errors.push(error),
    });
    try {
      await meanwhile(seen);
    } finally {
      await stop();
    }
    expect(errors).toEqual([]);
    return seen;
  }

  test("anvil_reorg replaces the block with the transfer: rollback to its parent, then the new block without it", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    const seen = await watchWhile(async (seen) => {
      const { status } = await send(alice, bob.address, 5n);
      await vi.waitFor(() => expect(seen.blocks.at(-1)?.height).toBe(status.height), WAIT);
      await anvilCall("anvil_reorg", [1, []]);
      await vi.waitFor(() => expect(seen.blocks.length).toBeGreaterThanOrEqual(2), WAIT);
      await vi.waitFor(() => expect(seen.blocks.at(-1)?.height).toBe(status.height), WAIT);
      expect(seen.rollbacks).toEqual([status.height - 1n]);
      const [before, after] = seen.blocks.slice(-2);
      expect(before?.transactionHashes).toHaveLength(1);
      expect(after?.hash).not.toBe(before?.hash);
      expect(after?.transactionHashes).toEqual([]);
    });
    expect(seen.blocks.length).toBeGreaterThanOrEqual(2);
    // Dropped with its block and not back in the mempool: the transfer never happened.
    expect(await ethBalanceOf(bob.address)).toBe(0n);
  });

  test("evm_revert to a snapshot below delivered blocks: rollback to the snapshot's height, then the new branch", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    const snapshot = await anvilCall<Hex>("evm_snapshot");
    const base = (await adapter.head()).height;
    await watchWhile(async (seen) => {
      await send(alice, bob.address, 1n);
      await send(alice, bob.address, 2n);
      await vi.waitFor(() => expect(seen.blocks.at(-1)?.height).toBe(base + 2n), WAIT);
      await anvilCall("evm_revert", [snapshot]);
      // Alice's two transfers are gone with their blocks and not in the mempool: her nonce is back to
      // the snapshot's. (The gateway instead sends reorged transactions again, so it keeps its nonces.)
      adapter.resetNonce?.(alice.address);
      await send(alice, bob.address, 3n);
      await vi.waitFor(() => expect(seen.rollbacks).toEqual([base]), WAIT);
      await vi.waitFor(() => expect(seen.blocks.at(-1)?.transfers.map((t) => t.amount)).toEqual([3n]), WAIT);
      expect(seen.blocks.at(-1)?.height).toBe(base + 1n);
    });
    expect(await ethBalanceOf(bob.address)).toBe(3n);
  });
});

describe("transactions that cannot land, and ones the node lost", () => {
  /** Runs `body` with automine off (transactions wait in the mempool for evm_mine), and turns it back on. */
  async function withoutAutomine(body: () => Promise<void>) {
    await anvilCall("evm_setAutomine", [false]);
    try {
      await body();
    } finally {
      await anvilCall("evm_setAutomine", [true]);
    }
  }

  test("bytes whose nonce another transaction used are REJECTED (nonce too low) and stay UNKNOWN: they can never land", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    const stale = await prepare(alice, bob.address, 1n);
    adapter.resetNonce?.(alice.address);
    const { prepared } = await send(alice, bob.address, 2n);
    expect(prepared.nonce).toBe(stale.nonce);
    expect(await rejection(adapter.broadcast(stale))).toMatchObject({
      code: "REJECTED",
      message: expect.stringMatching(/nonce too low/),
    });
    expect(await adapter.getTransactionStatus(stale.hash)).toEqual({ state: "UNKNOWN" });
    // The refusal freed the reserved nonce: the next transfer lands.
    await send(alice, bob.address, 3n);
    expect(await ethBalanceOf(bob.address)).toBe(5n);
  });

  test("a transaction the node dropped from its mempool is UNKNOWN, and the same bytes sent again land once", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    await withoutAutomine(async () => {
      const prepared = await prepare(alice, bob.address, 9n);
      await adapter.broadcast(prepared);
      expect(await adapter.getTransactionStatus(prepared.hash)).toEqual({ state: "PENDING" });
      await anvilCall("anvil_dropTransaction", [prepared.hash]);
      expect(await adapter.getTransactionStatus(prepared.hash)).toEqual({ state: "UNKNOWN" });
      await adapter.broadcast(prepared);
      await adapter.broadcast(prepared);
      await anvilCall("evm_mine");
      await included(prepared.hash);
    });
    expect(await ethBalanceOf(bob.address)).toBe(9n);
  });

  test("stuck: a transaction behind a nonce gap is PENDING and says which nonce it waits for; it lands once the gap is filled", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    const first = await prepare(alice, bob.address, 1n);
    const second = await prepare(alice, bob.address, 2n);
    await adapter.broadcast(second);
    expect(await adapter.getTransactionStatus(second.hash)).toEqual({
      state: "PENDING",
      stuck: expect.stringMatching(new RegExp(`waits for nonce ${first.nonce} of ${alice.address}`)),
    });
    await adapter.broadcast(first);
    await included(second.hash);
    expect(await ethBalanceOf(bob.address)).toBe(3n);
  });

  test("a fee cap below a risen base fee: anvil drops the transaction; sending it again is refused as not now (UNAVAILABLE), and lands once the base fee falls", async () => {
    const alice = await funded(ETH);
    const bob = newSecp256k1Signer();
    await withoutAutomine(async () => {
      try {
        const prepared = await prepare(alice, bob.address, 4n);
        await adapter.broadcast(prepared);
        await anvilCall("anvil_setNextBlockBaseFeePerGas", ["0x174876e800"]); // 100 gwei
        await anvilCall("evm_mine");
        // Anvil evicts what its base fee priced out (geth would keep it: PENDING, with `stuck` saying why).
        expect(await adapter.getTransactionStatus(prepared.hash)).toEqual({ state: "UNKNOWN" });
        expect(await rejection(adapter.broadcast(prepared))).toMatchObject({
          code: "UNAVAILABLE",
          message: expect.stringMatching(
            /will not take the transaction now \(max fee per gas less than block base fee\)/,
          ),
        });
        await anvilCall("anvil_setNextBlockBaseFeePerGas", ["0x1"]);
        await anvilCall("evm_mine");
        await adapter.broadcast(prepared);
        await anvilCall("evm_mine");
        await included(prepared.hash);
      } finally {
        await anvilCall("anvil_setNextBlockBaseFeePerGas", ["0x3b9aca00"]); // back to 1 gwei
      }
    });
    expect(await ethBalanceOf(bob.address)).toBe(4n);
  });

  test("a reverted transaction is FAILED with its block, and the watch lists it as failed", async () => {
    const alice = await funded(ETH);
    // A contract whose every call reverts: a transfer to it reverts on chain (the estimate is skipped
    // by sending prepared bytes for a plain address, then giving the contract code to that address).
    const target = newSecp256k1Signer().address;
    const prepared = await prepare(alice, target, 1n);
    await anvilCall("anvil_setCode", [target, "0x60006000fd"]);
    const blocks: ObservedBlock[] = [];
    const stop = await adapter.watch({ onBlock: (block) => void blocks.push(block), onError: () => {} });
    try {
      await adapter.broadcast(prepared);
      const status = await vi.waitFor(async () => {
        const now = await adapter.getTransactionStatus(prepared.hash);
        if (now.state !== "FAILED") throw new Error(now.state);
        return now;
      }, WAIT);
      expect(status).toMatchObject({ state: "FAILED", reason: expect.stringMatching(/reverted/) });
      await vi.waitFor(
        () => expect(blocks.some((block) => block.failed.has(prepared.hash))).toBe(true),
        WAIT,
      );
      expect(blocks.flatMap((block) => block.transfers).filter((t) => t.txHash === prepared.hash)).toEqual(
        [],
      );
    } finally {
      await stop();
    }
  });
});

describe("an unreachable node", () => {
  test("reads, transfers and broadcasts are UNAVAILABLE, a watch ends with an error; all work again once it is back", async () => {
    const own = await startAnvil({ stateFile: join(dataDir, "outage.json") });
    const chain = await openAdapter(own.url);
    try {
      const alice = newSecp256k1Signer();
      await chain.faucet?.(alice.address, chain.description.nativeAsset, ETH);
      const native = chain.description.nativeAsset;
      const prepared = await chain.prepareTransfer({
        from: alice,
        to: newSecp256k1Signer().address,
        asset: native,
        amount: 1n,
      });
      const errors: Error[] = [];
      const stop = await chain.watch({ onBlock: () => {}, onError: (error) => errors.push(error) });
      await own.stop();
      for (const call of [
        chain.getBalances([{ address: alice.address, asset: native }]),
        chain.head(),
        chain.broadcast(prepared),
        chain.getTransactionStatus(prepared.hash),
        chain.prepareTransfer({ from: alice, to: alice.address, asset: native, amount: 1n }),
      ]) {
        expect(await rejection(call)).toMatchObject({
          code: "UNAVAILABLE",
          message: expect.stringMatching(/eip155:31337 is unavailable/),
        });
      }
      await vi.waitFor(() => expect(errors).toHaveLength(1), WAIT);
      await stop();
      const back = await restartAnvil(own);
      try {
        await chain.broadcast(prepared);
        await vi.waitFor(
          async () => expect((await chain.getTransactionStatus(prepared.hash)).state).toBe("INCLUDED"),
          WAIT,
        );
      } finally {
        await back.stop();
      }
    } finally {
      await chain.close();
      if (own.running()) await own.stop();
    }
  });

  test("a URL where no node answers fails at start-up with what to fix", async () => {
    await expect(openAdapter("http://127.0.0.1:9")).rejects.toThrow(
      /EVM_RPC_URLS: no EVM node answers at http:\/\/127.0.0.1:9/,
    );
  });
});

test("several chains at once: one adapter per URL, each with its own id and finality depth", async () => {
  const other = await startAnvil({ chainId: 777 });
  try {
    const adapters = await createEvmAdapters({
      dataDir,
      env: { EVM_RPC_URLS: `${anvil.url}, ${other.url}`, EVM_FINALITY_DEPTHS: "eip155:777=3" },
    });
    expect(
      adapters.map((each) => [each.description.id, each.description.capabilities.finalityDepth]),
    ).toEqual([
      ["eip155:31337", 12],
      ["eip155:777", 3],
    ]);
    await Promise.all(adapters.map((each) => each.close()));
  } finally {
    await other.stop();
  }
});
