import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";
import { KeyPair } from "./chain/keys.ts";
import { NATIVE_ASSET } from "./chain/state.ts";
import { signTransaction } from "./chain/transaction.ts";
import { verifyChain } from "./chain/verifyChain.ts";
import { RefchainClient } from "./client/refchainClient.ts";
import { rpcTransport } from "./client/rpcTransport.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "value-gateway.js");
const ROUNDS = 4;
const IN_FLIGHT_PER_SENDER = 8;

interface RunningNode {
  child: ChildProcessWithoutNullStreams;
  client: RefchainClient;
  chainId: string;
}

async function startNode(dataDir: string): Promise<RunningNode> {
  const child = spawn(
    process.execPath,
    [bin, "refchain", "start", "--data-dir", dataDir, "--port", "0", "--block-time-ms", "5"],
    {
      cwd: root,
    },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  child.stderr.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  await vi.waitFor(() => expect(out).toMatch(/rpc url\s+http:\S+/), { timeout: 30_000, interval: 50 });
  const url = (out.match(/rpc url\s+(\S+)/) as RegExpMatchArray)[1] as string;
  const client = new RefchainClient(rpcTransport(url));
  return { child, client, chainId: (await client.chainInfo()).chainId };
}

describe("refchain under kill -9", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "refchain-crash-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("every transaction reported included survives SIGKILL at a random moment, balances sum to the supply, verify passes", async () => {
    const senders = Array.from({ length: 6 }, () => KeyPair.generate());
    const receivers = Array.from({ length: 3 }, () => KeyPair.generate());
    // Hashes the node reported included (durable) before it was killed: none may ever disappear.
    const acknowledged: string[] = [];
    let faucetAddress = "";

    const checkSurvivors = async (node: RunningNode) => {
      for (const hash of acknowledged) {
        const found = await node.client.getTransaction(hash);
        expect(found?.status, `acknowledged ${hash} is gone`).toBe("included");
      }
      const known = [faucetAddress, ...senders.map((k) => k.address), ...receivers.map((k) => k.address)];
      const balances = await node.client.getBalances(
        known.map((address) => ({ address, asset: NATIVE_ASSET })),
      );
      const supply = (await node.client.getAsset(NATIVE_ASSET))?.supply;
      expect(balances.reduce((a, b) => a + b, 0n)).toBe(supply);
    };

    for (let round = 0; round < ROUNDS; round++) {
      const node = await startNode(dataDir);
      const { client, chainId } = node;
      if (round === 0) {
        faucetAddress = (await client.chainInfo()).faucetAddress as string;
        const funded = await Promise.all(senders.map((k) => client.requestFaucet(k.address, 1_000_000_000n)));
        for (const { hash } of funded) acknowledged.push((await client.waitForTransaction(hash)).hash);
      }
      await checkSurvivors(node);

      // A burst: each sender keeps IN_FLIGHT_PER_SENDER transfers in flight until the node dies.
      let dead = false;
      const burst = senders.map(async (sender, s) => {
        while (!dead) {
          try {
            const { pending } = await client.getNonce(sender.address);
            const head = await client.head();
            const txs = Array.from({ length: IN_FLIGHT_PER_SENDER }, (_, i) =>
              signTransaction(
                {
                  chainId,
                  from: sender.address,
                  nonce: pending + BigInt(i),
                  expiry: head.height + 10_000n,
                  payload: {
                    kind: "transfer",
                    asset: NATIVE_ASSET,
                    to: (receivers[(s + i) % 3] as KeyPair).address,
                    amount: 1n + BigInt(i),
                    memo: "",
                  },
                },
                sender,
              ),
            );
            await Promise.all(
              txs.map(async (tx) => {
                await client.sendTransaction(tx.raw);
                const included = await client.waitForTransaction(tx.hash);
                acknowledged.push(included.hash);
              }),
            );
          } catch {
            // The node was killed under us, or refused a nonce that raced with a lost transaction: try again or stop.
            if (dead) return;
          }
        }
      });
      const killAfterMs = 300 + Math.floor(Math.random() * 1200);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      const before = acknowledged.length;
      node.child.kill("SIGKILL");
      await once(node.child, "exit");
      dead = true;
      await Promise.allSettled(burst);
      await client.close().catch(() => undefined);
      console.log(
        `round ${round}: killed after ${killAfterMs} ms with ${acknowledged.length} acknowledged (${before} before the signal)`,
      );
      expect(acknowledged.length).toBeGreaterThan(0);
    }

    const last = await startNode(dataDir);
    await checkSurvivors(last);
    last.child.kill("SIGTERM");
    await once(last.child, "exit");
    const report = verifyChain(dataDir);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.transactions).toBeGreaterThanOrEqual(new Set(acknowledged).size);
  }, 180_000);
});
