import { createPublicClient, createTestClient, http, type TestClient } from "viem";
import { foundry } from "viem/chains";
import { type CountingRpcProxy, startCountingRpcProxy } from "../../test/support/countingRpcProxy.ts";
import { type Anvil, startAnvil } from "../../test/support/evm/anvil.ts";
import type { BenchNode } from "../chain/chainUnderBench.ts";

export interface AnvilWithProxy extends BenchNode {
  anvil: Anvil;
  /** In front of `anvil`: clients given its URL are counted. */
  proxy: CountingRpcProxy;
  /** Straight to anvil (not counted): setup, mining, looking at the pool. */
  testClient: TestClient<"anvil">;
  /** Blocks mined so far and transactions accepted but not yet in a block. */
  backlog(): Promise<{ blocks: bigint; pending: bigint }>;
  stop(): Promise<void>;
}

/**
 * A fresh anvil (automine: it mines a block for each transaction it accepts) with a counting proxy
 * in front of it. Each side of a comparison gets its own: anvil 1.7.1 falls behind under a few
 * hundred transactions a second (eth_sendRawTransaction answers, the pool grows) and after some two
 * thousand blocks stops automining altogether, so a node shared in turn would favour whoever went first.
 */
export async function startAnvilWithProxy(): Promise<AnvilWithProxy> {
  const anvil = await startAnvil();
  let proxy: CountingRpcProxy;
  try {
    proxy = await startCountingRpcProxy(anvil.url);
  } catch (error) {
    await anvil.stop();
    throw error;
  }
  const testClient = createTestClient({ mode: "anvil", chain: foundry, transport: http(anvil.url) });
  const publicClient = createPublicClient({ chain: foundry, transport: http(anvil.url) });
  return {
    anvil,
    url: anvil.url,
    pid: anvil.process.pid,
    proxy,
    testClient,
    async backlog() {
      const [blocks, pool] = await Promise.all([
        publicClient.getBlockNumber({ cacheTime: 0 }),
        testClient.getTxpoolStatus(),
      ]);
      return { blocks, pending: BigInt(pool.pending) };
    },
    async stop() {
      await proxy.close();
      await anvil.stop();
    },
  };
}
