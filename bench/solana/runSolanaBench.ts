// The Solana figures of `npm run bench`, against the local LiteSVM-backed endpoint (tools/solanaLocal,
// a validator's JSON-RPC), each against a baseline measured in the same run (ratios, never pass/fail):
//   (7) sendPayment payments/s through the gateway ÷ raw web3.js sendRawTransaction/s     goal ≥ 0.8
//   (8) HTTP requests reaching the endpoint for a GraphQL page of 100 accounts with balances    goal 1
// How both are measured is the same for every chain: bench/chain/runChainBench.ts. Here: each side on
// a fresh endpoint run as its own process (`npm run solana:local`: its CPU is not the bench's); the
// baseline's senders are funded by airdrop, the gateway's with fundAccount. The baseline reuses one
// blockhash for BENCH_SOLANA_BLOCKHASH_MS (see measureWeb3SendRate.ts). Afterwards every accepted
// payment must end FINALIZED and every baseline signature must be in a confirmed block.
//
//   node --import tsx bench/solana/solana.bench.ts              (these figures alone, ~35 s)
//   BENCH_SOLANA_SENDERS=4 BENCH_SOLANA_SECONDS=3 node --import tsx bench/solana/solana.bench.ts
//   BENCH_PROFILE_DIR=/tmp/prof node --import tsx bench/solana/solana.bench.ts  (the gateway during (7))
//   BENCH_SOLANA_LOG_LEVEL=warn node --import tsx bench/solana/solana.bench.ts  (the gateway's log)
import { Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { chainBenchSettings, numberSetting } from "../chain/chainBenchSettings.ts";
import { fmt, pct } from "../chain/formatFigure.ts";
import { refusals } from "../chain/printChainBench.ts";
import { runChainBench } from "../chain/runChainBench.ts";
import { countLandedSignatures, type LandedCount } from "./countLandedSignatures.ts";
import { measureWeb3SendRate } from "./measureWeb3SendRate.ts";
import { type SolanaLocalWithProxy, startSolanaLocalWithProxy } from "./solanaLocalWithProxy.ts";

const SETTINGS = chainBenchSettings("BENCH_SOLANA");
/** A cluster's slot time: one block (with the transactions sent during it) every 400 ms. */
const SLOT_MS = numberSetting("BENCH_SOLANA_SLOT_MS", 400);
const BLOCKHASH_MS = numberSetting("BENCH_SOLANA_BLOCKHASH_MS", 1_000);
const FINALITY_DEPTH = 2;
/**
 * Each payment and each baseline transfer moves this much SOL: above the rent-exempt minimum
 * (0.00089 SOL), so the first one to a new recipient may open its account.
 */
const AMOUNT = "0.001";
const LAMPORTS = 1_000_000n;
const FUND_SOL = 1_000;

const landed = (count: LandedCount) =>
  `${fmt(count.landed)} landed, ${fmt(count.failed)} failed, ${fmt(count.missing)} missing`;
const share = (by: Record<string, number>, name: string) => pct(by[name] ?? Number.NaN);

/** Runs (7) and (8) and prints their table. */
export async function runSolanaBench(): Promise<void> {
  const recipients = Array.from({ length: SETTINGS.senders }, () => Keypair.generate().publicKey);
  const payers = Array.from({ length: SETTINGS.senders }, () => Keypair.generate());
  await runChainBench<SolanaLocalWithProxy, LandedCount, undefined>({
    name: "Solana",
    kind: "SOLANA",
    figures: { payments: 7, page: 8 },
    settings: SETTINGS,
    labels: {
      node: "endpoint",
      theNode: "the endpoint",
      freshNode: `endpoint (its own process, a slot every ${SLOT_MS} ms)`,
      title: `local LiteSVM endpoint (a slot every ${SLOT_MS} ms)`,
      baseline: "web3.js sendRawTransaction",
      library: "web3.js",
      rpcSetting: "SOLANA_RPC_URL",
    },
    finalityDepth: FINALITY_DEPTH,
    amount: AMOUNT,
    fundEach: String(FUND_SOL),
    balanceRead: "getMultipleAccounts",
    recipients: recipients.map((recipient) => recipient.toBase58()),
    startNode: () => startSolanaLocalWithProxy({ slotMs: SLOT_MS }),
    gatewayEnv: (node) => ({
      SOLANA_RPC_URL: node.proxy.url,
      // The proxy forwards HTTP only; the adapter reads over HTTP, but its PubSub must not be port + 1 of the proxy.
      SOLANA_WS_URL: node.wsUrl,
      SOLANA_FINALITY_DEPTH: String(FINALITY_DEPTH),
      SOLANA_POLL_INTERVAL_MS: "50",
    }),
    async runBaseline(node, rpcUrl, beforeMeasuring) {
      const airdrops = await Promise.all(
        payers.map((payer) => node.connection.requestAirdrop(payer.publicKey, FUND_SOL * LAMPORTS_PER_SOL)),
      );
      const funded = await countLandedSignatures(node.connection, airdrops, 30_000);
      if (funded.landed !== payers.length) throw new Error(`airdrops: ${JSON.stringify(funded)}`);
      const { run, signatures } = await measureWeb3SendRate({
        rpcUrl,
        senders: payers,
        recipients,
        lamports: LAMPORTS,
        blockhashTtlMs: BLOCKHASH_MS,
        warmupSeconds: SETTINGS.warmupSeconds,
        seconds: SETTINGS.seconds,
        beforeMeasuring,
      });
      return { run, afterwards: () => countLandedSignatures(node.connection, signatures, 30_000) };
    },
    // The endpoint's clock keeps sealing slots: the last payments reach finality by themselves.
    watchGateway: async () => async () => undefined,
    extraRows: ({ gateway, baseline }) => ({
      afterCpu: [
        [
          "    CPU, share of a core: gateway / endpoint / bench",
          `${share(gateway.share, "gateway")} / ${share(gateway.share, "endpoint")} / ${share(gateway.share, "bench")}`,
          `— / ${share(baseline.share, "endpoint")} / ${share(baseline.share, "bench")}`,
          "",
          "",
        ],
      ],
      afterSettled: [["    baseline signatures in a confirmed block", "", landed(baseline.note), "", ""]],
    }),
    extraLines: ({ direct }) => [
      `  baseline straight to the endpoint: ${landed(direct.note)}; refused: ${refusals(direct.run)}`,
    ],
  });
}
