// The EVM figures of `npm run bench`, against a real anvil (automine: it mines a block for each
// transaction), each against a baseline measured in the same run (ratios, never absolute pass/fail):
//   (5) sendPayment payments/s through the gateway ÷ viem walletClient.sendTransaction/s    goal ≥ 0.8
//   (6) HTTP requests reaching anvil for a GraphQL page of 100 accounts with balances       goal 1
// How both are measured is the same for every chain: bench/chain/runChainBench.ts. Here: each side
// on a fresh anvil (see anvilWithProxy.ts for why not one shared in turn); the baseline's senders
// are funded with anvil_setBalance, the gateway's with fundAccount.
//
//   node --import tsx bench/evm/evm.bench.ts                 (these figures alone, ~30 s)
//   BENCH_EVM_SENDERS=4 BENCH_EVM_SECONDS=3 node --import tsx bench/evm/evm.bench.ts
//   BENCH_PROFILE_DIR=/tmp/prof node --import tsx bench/evm/evm.bench.ts   (the gateway during (5))
//   BENCH_EVM_LOG_LEVEL=warn node --import tsx bench/evm/evm.bench.ts      (the gateway's log)
import { type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { chainBenchSettings } from "../chain/chainBenchSettings.ts";
import { fmt } from "../chain/formatFigure.ts";
import { runChainBench } from "../chain/runChainBench.ts";
import { type AnvilWithProxy, startAnvilWithProxy } from "./anvilWithProxy.ts";
import { measureViemSendRate } from "./measureViemSendRate.ts";

// BENCH_EVM_SECONDS is short by default: a fresh anvil stays steady for some two thousand blocks
// (anvilWithProxy.ts).
const SETTINGS = chainBenchSettings("BENCH_EVM");
const CHAIN_ID = "eip155:31337";
const FINALITY_DEPTH = 2;
/** Each payment and each baseline transfer moves this much ETH. */
const AMOUNT = "0.000001";
const FUND_ETH = "1000";

interface Backlog {
  blocks: bigint;
  pending: bigint;
}

/** Blocks mined since `before` (or since the node started) and transactions still pending. */
const backlog = (before: Backlog | null, after: Backlog) =>
  `${fmt(Number(after.blocks - (before?.blocks ?? 0n)))} / ${fmt(Number(after.pending))}`;

/** Runs (5) and (6) and prints their table. */
export async function runEvmBench(): Promise<void> {
  const recipients = Array.from(
    { length: SETTINGS.senders },
    () => privateKeyToAccount(generatePrivateKey()).address,
  );
  const keys: Hex[] = Array.from({ length: SETTINGS.senders }, () => generatePrivateKey());
  await runChainBench<AnvilWithProxy, Backlog, { from: Backlog; to: Backlog }>({
    name: "EVM",
    kind: "EVM",
    figures: { payments: 5, page: 6 },
    settings: SETTINGS,
    labels: {
      node: "anvil",
      theNode: "anvil",
      freshNode: "anvil",
      title: "anvil automine",
      baseline: "viem sendTransaction",
      library: "viem",
      rpcSetting: "EVM_RPC_URLS",
    },
    finalityDepth: FINALITY_DEPTH,
    amount: AMOUNT,
    fundEach: FUND_ETH,
    balanceRead: "eth_getBalance",
    recipients,
    startNode: startAnvilWithProxy,
    gatewayEnv: (node) => ({
      EVM_RPC_URLS: node.proxy.url,
      EVM_FINALITY_DEPTHS: `${CHAIN_ID}=${FINALITY_DEPTH}`,
      EVM_POLL_INTERVAL_MS: "50",
    }),
    async runBaseline(node, rpcUrl, beforeMeasuring) {
      for (const key of keys) {
        const address = privateKeyToAccount(key).address;
        await node.testClient.setBalance({ address, value: parseEther(FUND_ETH) });
      }
      const run = await measureViemSendRate({
        rpcUrl,
        senders: keys,
        recipients,
        value: parseEther(AMOUNT),
        warmupSeconds: SETTINGS.warmupSeconds,
        seconds: SETTINGS.seconds,
        beforeMeasuring,
      });
      return { run, afterwards: () => node.backlog() };
    },
    async watchGateway(node) {
      const from = await node.backlog();
      return async () => {
        const to = await node.backlog();
        // The last payments' blocks need FINALITY_DEPTH blocks above them; nothing else mines now
        // (and a mined block also takes whatever automine left in the pool).
        await node.testClient.mine({ blocks: FINALITY_DEPTH + 1 });
        return { from, to };
      };
    },
    extraRows: ({ gateway, baseline }) => ({
      afterTraffic: [
        [
          "    anvil blocks mined / txs still pending",
          backlog(gateway.note.from, gateway.note.to),
          backlog(null, baseline.note),
          "",
          "",
        ],
      ],
    }),
    extraLines: () => [],
  });
}
