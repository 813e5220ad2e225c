// The Solana figures of `npm run bench`, against the local LiteSVM-backed endpoint (tools/solanaLocal,
// a validator's JSON-RPC), each against a baseline measured in the same run (ratios, never pass/fail):
//   (7) sendPayment payments/s through the gateway ÷ raw web3.js sendRawTransaction/s     goal ≥ 0.8
//   (8) HTTP requests reaching the endpoint for a GraphQL page of 100 accounts with balances    goal 1
// The model is the EVM bench (bench/evm/runEvmBench.ts). Both sides of (7) have the same shape:
// BENCH_SOLANA_SENDERS sending accounts, each with one request in flight at a time (a closed loop per
// sender), paying the same recipient addresses the same amount, each side on a fresh endpoint run as
// its own process (`npm run solana:local`: its CPU is not the bench's) reached through a counting
// JSON-RPC proxy, which also tells the requests and calls each payment made. The baseline runs once
// more straight to the endpoint, to show what the proxy's hop costs. A payment is done when
// sendPayment answered (its transaction was broadcast), a baseline transfer when sendRawTransaction
// returned the signature; the baseline reuses one blockhash for BENCH_SOLANA_BLOCKHASH_MS (see
// measureWeb3SendRate.ts). Afterwards every accepted payment must end FINALIZED and every baseline
// signature must be in a confirmed block.
//
//   node --import tsx bench/solana/solana.bench.ts              (these figures alone, ~35 s)
//   BENCH_SOLANA_SENDERS=4 BENCH_SOLANA_SECONDS=3 node --import tsx bench/solana/solana.bench.ts
//   BENCH_PROFILE_DIR=/tmp/prof node --import tsx bench/solana/solana.bench.ts  (the gateway during (7))
//   BENCH_SOLANA_LOG_LEVEL=warn node --import tsx bench/solana/solana.bench.ts  (the gateway's log)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import type { ClosedLoopResult } from "../chain/closedLoop.ts";
import { measurePaymentRate } from "../chain/measurePaymentRate.ts";
import { seedSubnet } from "../chain/seedSubnet.ts";
import { meterProcesses } from "../evm/processCpu.ts";
import { type RpcTraffic, rpcTraffic } from "../evm/rpcTraffic.ts";
import { type ChildServer, startChildServer } from "../gateway/childServer.ts";
import { countSettled } from "../gateway/countSettled.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { type GatewayLoad, meterGateway } from "../gateway/meterGateway.ts";
import { printTable } from "../gateway/printTable.ts";
import { summarizeProfile } from "../gateway/summarizeProfile.ts";
import { countLandedSignatures, type LandedCount } from "./countLandedSignatures.ts";
import { measureSolanaBalanceRequests } from "./measureSolanaBalanceRequests.ts";
import { measureWeb3SendRate } from "./measureWeb3SendRate.ts";
import { type SolanaLocalWithProxy, startSolanaLocalWithProxy } from "./solanaLocalWithProxy.ts";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SENDERS = setting("BENCH_SOLANA_SENDERS", 16);
const SECONDS = setting("BENCH_SOLANA_SECONDS", 5);
const WARMUP_SECONDS = 1;
/** A cluster's slot time: one block (with the transactions sent during it) every 400 ms. */
const SLOT_MS = setting("BENCH_SOLANA_SLOT_MS", 400);
const BLOCKHASH_MS = setting("BENCH_SOLANA_BLOCKHASH_MS", 1_000);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const FINALITY_DEPTH = 2;
/**
 * Each payment and each baseline transfer moves this much SOL: above the rent-exempt minimum
 * (0.00089 SOL), so the first one to a new recipient may open its account.
 */
const AMOUNT = "0.001";
const LAMPORTS = 1_000_000n;
const FUND_SOL = 1_000;
const PAGE_ACCOUNTS = 100;
const PAGE_FUNDED = 5;
const PAGE_FUND_EACH = "7";
const PAGE_QUERIES = 5;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const pct = (share: number) => `${fmt(100 * share)}%`;

/** CPU seconds by process over `units` units of work, as ms per unit. */
const cpuPerUnit = (seconds: Record<string, number>, units: number): Record<string, number> =>
  Object.fromEntries(Object.entries(seconds).map(([name, s]) => [name, (1000 * s) / units]));
/** CPU seconds by process over `seconds` of wall time, as a share of one core. */
const cpuShare = (cpu: Record<string, number>, seconds: number): Record<string, number> =>
  Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, s / seconds]));

/** Runs (7) and (8) and prints their table. */
export async function runSolanaBench(): Promise<void> {
  const started = performance.now();
  const step = (text: string) => console.log(`… ${text} (${fmt((performance.now() - started) / 1000)} s)`);
  const recipients = Array.from({ length: SENDERS }, () => Keypair.generate().publicKey);
  const payers = Array.from({ length: SENDERS }, () => Keypair.generate());

  /** The baseline on a fresh endpoint, through its proxy or straight to it. */
  const baseline = async (throughProxy: boolean) => {
    const node = await startSolanaLocalWithProxy({ slotMs: SLOT_MS });
    try {
      const airdrops = await Promise.all(
        payers.map((payer) => node.connection.requestAirdrop(payer.publicKey, FUND_SOL * LAMPORTS_PER_SOL)),
      );
      const funded = await countLandedSignatures(node.connection, airdrops, 30_000);
      if (funded.landed !== payers.length) throw new Error(`airdrops: ${JSON.stringify(funded)}`);
      let stopCpu: (() => Record<string, number>) | undefined;
      let measuring = 0;
      const { run, signatures } = await measureWeb3SendRate({
        rpcUrl: throughProxy ? node.proxy.url : node.url,
        payers,
        recipients,
        lamports: LAMPORTS,
        blockhashTtlMs: BLOCKHASH_MS,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        beforeMeasuring: () => {
          node.proxy.take();
          stopCpu = meterProcesses({ endpoint: node.pid, bench: process.pid });
          measuring = performance.now();
        },
      });
      const cpu = stopCpu?.() ?? {};
      const wall = (performance.now() - measuring) / 1000;
      const traffic = rpcTraffic(node.proxy.take(), run.completed);
      const landed = await countLandedSignatures(node.connection, signatures, 30_000);
      return { run, traffic, cpu: cpuPerUnit(cpu, run.completed), share: cpuShare(cpu, wall), landed };
    } finally {
      await node.stop();
    }
  };

  step(
    `(7) baseline: web3.js sendRawTransaction from ${SENDERS} accounts, 1 in flight each, on a fresh endpoint (its own process, a slot every ${SLOT_MS} ms) through the proxy, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`,
  );
  const web3 = await baseline(true);
  step("(7) the same on a fresh endpoint, straight to it (no proxy)");
  const web3Direct = await baseline(false);

  step(
    `(7) the gateway on a fresh endpoint (SOLANA_RPC_URL = the proxy, finality ${FINALITY_DEPTH}), in its own process`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-bench-solana-"));
  let node: SolanaLocalWithProxy | undefined;
  let gateway: ChildServer<GatewayInfo> | undefined;
  try {
    node = await startSolanaLocalWithProxy({ slotMs: SLOT_MS });
    const { proxy } = node;
    gateway = await startChildServer<GatewayInfo>({
      entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
      env: {
        PORT: "0",
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.BENCH_SOLANA_LOG_LEVEL ?? "silent",
        SOLANA_RPC_URL: proxy.url,
        // The proxy forwards HTTP only; the adapter reads over HTTP, but its PubSub must not be port + 1 of the proxy.
        SOLANA_WS_URL: node.wsUrl,
        SOLANA_FINALITY_DEPTH: String(FINALITY_DEPTH),
        SOLANA_POLL_INTERVAL_MS: "50",
      },
    });
    const child = gateway;
    const { info } = child;
    const admin = new GraphQLTestClient(info.url, info.wsUrl, info.adminKey);
    const { chains } = await admin.data<{ chains: { id: string; kind: string }[] }>("{ chains { id kind } }");
    const chainId = chains.find((chain) => chain.kind === "SOLANA")?.id;
    if (!chainId) throw new Error(`the gateway runs no Solana chain: ${JSON.stringify(chains)}`);
    step(
      `seeding a tenant on ${chainId}: ${SENDERS} funded senders, and a subnet of ${PAGE_ACCOUNTS} accounts (${PAGE_FUNDED} funded)`,
    );
    const { createTenant } = await admin.data<{ createTenant: { apiKey: string } }>(
      'mutation { createTenant(input: { name: "solana bench" }) { apiKey } }',
    );
    const client = new GraphQLTestClient(info.url, info.wsUrl, createTenant.apiKey);
    // seedSubnet is chain-agnostic (createSubnet, createAccount, fundAccount through the API).
    const paying = await seedSubnet(client, {
      name: "senders",
      chainId,
      accounts: SENDERS,
      funded: SENDERS,
      fundEach: String(FUND_SOL),
    });
    const page = await seedSubnet(client, {
      name: "page",
      chainId,
      accounts: PAGE_ACCOUNTS,
      funded: PAGE_FUNDED,
      fundEach: PAGE_FUND_EACH,
    });

    step(
      `(7) sendPayment from ${SENDERS} accounts, 1 in flight each, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`,
    );
    const profilePath = PROFILE_DIR ? join(PROFILE_DIR, "gateway-solana-payments.cpuprofile") : undefined;
    if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
    let stopMeter: (() => Promise<GatewayLoad>) | undefined;
    let stopCpu: (() => Record<string, number>) | undefined;
    let measuring = 0;
    const payments = await measurePaymentRate({
      client,
      senderIds: paying.accounts.map((account) => account.id),
      recipients: recipients.map((recipient) => recipient.toBase58()),
      amount: AMOUNT,
      warmupSeconds: WARMUP_SECONDS,
      seconds: SECONDS,
      beforeMeasuring: async () => {
        proxy.take();
        if (profilePath) await child.call("profile:start");
        stopMeter = await meterGateway(child);
        stopCpu = meterProcesses({ gateway: child.pid, endpoint: node?.pid, bench: process.pid });
        measuring = performance.now();
      },
    });
    const cpuSeconds = stopCpu?.() ?? {};
    const wall = (performance.now() - measuring) / 1000;
    const gatewayCpu = cpuPerUnit(cpuSeconds, payments.run.completed);
    const gatewayShare = cpuShare(cpuSeconds, wall);
    const gatewayLoad = await stopMeter?.();
    if (profilePath) await child.call("profile:stop", profilePath);
    const gatewayTraffic = rpcTraffic(proxy.take(), payments.run.completed);
    // The endpoint's clock keeps sealing slots: the last payments reach finality by themselves.
    const settled = await countSettled([{ client, paymentIds: payments.accepted }], 30_000);

    step(`(8) ${PAGE_QUERIES} queries of a page of ${PAGE_ACCOUNTS} accounts with balances, one at a time`);
    const balances = await measureSolanaBalanceRequests({
      client,
      subnetId: page.subnetId,
      proxy,
      queries: PAGE_QUERIES,
      fundedAmount: PAGE_FUND_EACH,
    });

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\nvalue-gateway bench, Solana: ${fmt(seconds)} s, local LiteSVM endpoint (a slot every ${SLOT_MS} ms), ${SENDERS} senders × 1 in flight on each side\n`,
    );
    const latency = (run: ClosedLoopResult) => `${fmt(run.latencyP50Ms, 1)} / ${fmt(run.latencyP99Ms, 1)}`;
    const perUnit = (traffic: RpcTraffic) =>
      `${fmt(traffic.requestsPerUnit, 2)} / ${fmt(traffic.callsPerUnit, 2)} / ${fmt(traffic.msPerRequest, 1)}`;
    const refused = (run: ClosedLoopResult) =>
      [...run.failures].map(([why, n]) => `${why} ${n}`).join(", ") || "none";
    const landed = (count: LandedCount) =>
      `${fmt(count.landed)} landed, ${fmt(count.failed)} failed, ${fmt(count.missing)} missing`;
    const cpu = (by: Record<string, number>, name: string) => fmt(by[name] ?? Number.NaN, 2);
    printTable([
      ["figure", "gateway", "baseline (same run)", "ratio", "goal"],
      [
        "(7) Solana sendPayment payments/s",
        fmt(payments.run.perSecond),
        `${fmt(web3.run.perSecond)} web3.js sendRawTransaction`,
        fmt(payments.run.perSecond / web3.run.perSecond, 2),
        "ratio ≥ 0.8",
      ],
      ["    latency p50 / p99 ms", latency(payments.run), latency(web3.run), "", ""],
      [
        "    endpoint requests / calls per payment, ms per request",
        perUnit(gatewayTraffic),
        perUnit(web3.traffic),
        "",
        "",
      ],
      [
        "    CPU ms per payment: gateway + endpoint + bench",
        `${cpu(gatewayCpu, "gateway")} + ${cpu(gatewayCpu, "endpoint")} + ${cpu(gatewayCpu, "bench")}`,
        `${cpu(web3.cpu, "endpoint")} endpoint + ${cpu(web3.cpu, "bench")} bench (web3.js)`,
        "",
        "",
      ],
      [
        "    CPU, share of a core: gateway / endpoint / bench",
        `${pct(gatewayShare.gateway ?? Number.NaN)} / ${pct(gatewayShare.endpoint ?? Number.NaN)} / ${pct(gatewayShare.bench ?? Number.NaN)}`,
        `— / ${pct(web3.share.endpoint ?? Number.NaN)} / ${pct(web3.share.bench ?? Number.NaN)}`,
        "",
        "",
      ],
      [
        "    baseline straight to the endpoint",
        "",
        `${fmt(web3Direct.run.perSecond)} web3.js sendRawTransaction (no proxy)`,
        fmt(payments.run.perSecond / web3Direct.run.perSecond, 2),
        "",
      ],
      [
        "    FINALIZED / accepted",
        `${fmt(settled.finalized)} / ${fmt(payments.accepted.length)}`,
        `${fmt(settled.failed)} failed, ${fmt(settled.open)} open after ${fmt(settled.waitedMs / 1000, 1)} s`,
        "",
        "",
      ],
      ["    baseline signatures in a confirmed block", "", landed(web3.landed), "", ""],
      ["    refused", refused(payments.run), refused(web3.run), "", ""],
      [
        "(8) endpoint requests per page of 100",
        fmt(balances.balanceRequestsPerPage, 2),
        `${fmt(balances.callsPerBalanceRequest)} getMultipleAccounts calls per request`,
        "",
        "1",
      ],
      [
        "    all requests during the query",
        fmt(balances.requestsPerPage, 2),
        `others: ${balances.otherMethods.join(", ") || "none"}`,
        "",
        "",
      ],
    ]);
    const byMethod = (traffic: RpcTraffic) =>
      traffic.byMethod.map(({ method, perUnit: n }) => `${method} ${fmt(n, 3)}`).join(", ");
    console.log("\n(7) JSON-RPC calls per payment by method (through the proxy):");
    console.log(`  gateway: ${byMethod(gatewayTraffic)}`);
    console.log(`  web3.js: ${byMethod(web3.traffic)}`);
    console.log(
      `  baseline straight to the endpoint: ${landed(web3Direct.landed)}; refused: ${refused(web3Direct.run)}`,
    );
    if (gatewayLoad) {
      console.log(
        `(7) the gateway process: main thread ${pct(gatewayLoad.main)} on CPU + ${pct(gatewayLoad.mainWaitingForCpu)} waiting for one; ` +
          `process ${pct(gatewayLoad.process)}; bench ${pct(gatewayLoad.bench)}; machine ${pct(gatewayLoad.machine)} busy; ` +
          `event-loop delay p50 ${fmt(gatewayLoad.loopDelayMs.p50, 1)} / p99 ${fmt(gatewayLoad.loopDelayMs.p99, 1)} ms`,
      );
    }
    if (balances.pageSize !== PAGE_ACCOUNTS || balances.fundedSeen !== PAGE_FUNDED) {
      console.log(
        `(8) note: the page had ${balances.pageSize} accounts, ${balances.fundedSeen} of ${PAGE_FUNDED} funded ones showed their balance`,
      );
    }
    if (profilePath) {
      const summary = summarizeProfile(profilePath, 12);
      console.log(`\ngateway main thread during (7): ${pct(summary.busy)} busy (${profilePath})`);
      console.log(`  by place:    ${summary.places.map((p) => `${p.name} ${pct(p.share)}`).join(", ")}`);
      for (const f of summary.functions) console.log(`  ${pct(f.share).padStart(4)}  ${f.name}`);
    }
  } finally {
    await gateway?.stop();
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
