// The EVM figures of `npm run bench`, against a real anvil (automine: it mines a block for each
// transaction), each against a baseline measured in the same run (ratios, never absolute pass/fail):
//   (5) sendPayment payments/s through the gateway ÷ viem walletClient.sendTransaction/s    goal ≥ 0.8
//   (6) HTTP requests reaching anvil for a GraphQL page of 100 accounts with balances       goal 1
// Both sides of (5) have the same shape: BENCH_EVM_SENDERS sending accounts, each with one request in
// flight at a time (a closed loop per sender), paying the same recipient addresses, each side on a
// fresh anvil (see anvilWithProxy.ts for why not one shared in turn) reached through a counting
// JSON-RPC proxy, which also tells the requests and calls each payment made. The baseline runs once
// more straight to anvil, to show what the proxy's hop costs. A payment is done when sendPayment
// answered (its transaction was broadcast), a baseline transfer when sendTransaction returned the hash.
//
//   node --import tsx bench/evm/evm.bench.ts                 (these figures alone, ~30 s)
//   BENCH_EVM_SENDERS=4 BENCH_EVM_SECONDS=3 node --import tsx bench/evm/evm.bench.ts
//   BENCH_PROFILE_DIR=/tmp/prof node --import tsx bench/evm/evm.bench.ts   (the gateway during (5))
//   BENCH_EVM_LOG_LEVEL=warn node --import tsx bench/evm/evm.bench.ts      (the gateway's log)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import type { ClosedLoopResult } from "../chain/closedLoop.ts";
import { measurePaymentRate } from "../chain/measurePaymentRate.ts";
import { seedSubnet } from "../chain/seedSubnet.ts";
import { type ChildServer, startChildServer } from "../gateway/childServer.ts";
import { countSettled } from "../gateway/countSettled.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { type GatewayLoad, meterGateway } from "../gateway/meterGateway.ts";
import { printTable } from "../gateway/printTable.ts";
import { summarizeProfile } from "../gateway/summarizeProfile.ts";
import { type AnvilWithProxy, startAnvilWithProxy } from "./anvilWithProxy.ts";
import { measureEvmBalanceRequests } from "./measureEvmBalanceRequests.ts";
import { measureViemSendRate } from "./measureViemSendRate.ts";
import { meterProcesses } from "./processCpu.ts";
import { type RpcTraffic, rpcTraffic } from "./rpcTraffic.ts";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SENDERS = setting("BENCH_EVM_SENDERS", 16);
// Short: a fresh anvil stays steady for some two thousand blocks (anvilWithProxy.ts).
const SECONDS = setting("BENCH_EVM_SECONDS", 5);
const WARMUP_SECONDS = 1;
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const CHAIN_ID = "eip155:31337";
const FINALITY_DEPTH = 2;
/** Each payment and each baseline transfer moves this much ETH. */
const AMOUNT = "0.000001";
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

interface Backlog {
  blocks: bigint;
  pending: bigint;
}

/** Runs (5) and (6) and prints their table. */
export async function runEvmBench(): Promise<void> {
  const started = performance.now();
  const step = (text: string) => console.log(`… ${text} (${fmt((performance.now() - started) / 1000)} s)`);
  const recipients = Array.from({ length: SENDERS }, () => privateKeyToAccount(generatePrivateKey()).address);
  const keys: Hex[] = Array.from({ length: SENDERS }, () => generatePrivateKey());

  /** The baseline on a fresh anvil, through its proxy or straight to it. */
  const baseline = async (throughProxy: boolean) => {
    const node = await startAnvilWithProxy();
    try {
      for (const key of keys) {
        const address = privateKeyToAccount(key).address;
        await node.testClient.setBalance({ address, value: parseEther("1000") });
      }
      let stopCpu: (() => Record<string, number>) | undefined;
      const run = await measureViemSendRate({
        rpcUrl: throughProxy ? node.proxy.url : node.anvil.url,
        keys,
        recipients,
        value: parseEther(AMOUNT),
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        beforeMeasuring: () => {
          node.proxy.take();
          stopCpu = meterProcesses({ anvil: node.anvil.process.pid, bench: process.pid });
        },
      });
      const cpu = stopCpu?.() ?? {};
      const traffic = rpcTraffic(node.proxy.take(), run.completed);
      return { run, traffic, cpu: cpuPerUnit(cpu, run.completed), backlog: await node.backlog() };
    } finally {
      await node.stop();
    }
  };

  step(
    `(5) baseline: viem sendTransaction from ${SENDERS} accounts, 1 in flight each, on a fresh anvil through the proxy, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`,
  );
  const viem = await baseline(true);
  step("(5) the same on a fresh anvil, straight to it (no proxy)");
  const viemDirect = await baseline(false);

  step(
    `(5) the gateway on a fresh anvil (EVM_RPC_URLS = the proxy, finality ${FINALITY_DEPTH}), in its own process`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-bench-evm-"));
  let node: AnvilWithProxy | undefined;
  let gateway: ChildServer<GatewayInfo> | undefined;
  try {
    node = await startAnvilWithProxy();
    const { proxy } = node;
    gateway = await startChildServer<GatewayInfo>({
      entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
      env: {
        PORT: "0",
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.BENCH_EVM_LOG_LEVEL ?? "silent",
        EVM_RPC_URLS: proxy.url,
        EVM_FINALITY_DEPTHS: `${CHAIN_ID}=${FINALITY_DEPTH}`,
        EVM_POLL_INTERVAL_MS: "50",
      },
    });
    const child = gateway;
    const { info } = child;
    step(
      `seeding a tenant: ${SENDERS} funded senders, and a subnet of ${PAGE_ACCOUNTS} accounts (${PAGE_FUNDED} funded)`,
    );
    const admin = new GraphQLTestClient(info.url, info.wsUrl, info.adminKey);
    const { createTenant } = await admin.data<{ createTenant: { apiKey: string } }>(
      'mutation { createTenant(input: { name: "evm bench" }) { apiKey } }',
    );
    const client = new GraphQLTestClient(info.url, info.wsUrl, createTenant.apiKey);
    const paying = await seedSubnet(client, {
      name: "senders",
      chainId: CHAIN_ID,
      accounts: SENDERS,
      funded: SENDERS,
      fundEach: "1000",
    });
    const page = await seedSubnet(client, {
      name: "page",
      chainId: CHAIN_ID,
      accounts: PAGE_ACCOUNTS,
      funded: PAGE_FUNDED,
      fundEach: PAGE_FUND_EACH,
    });
    const seeded = await node.backlog();

    step(
      `(5) sendPayment from ${SENDERS} accounts, 1 in flight each, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`,
    );
    const profilePath = PROFILE_DIR ? join(PROFILE_DIR, "gateway-evm-payments.cpuprofile") : undefined;
    if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
    let stopMeter: (() => Promise<GatewayLoad>) | undefined;
    let stopCpu: (() => Record<string, number>) | undefined;
    let measuredFrom = seeded;
    const payments = await measurePaymentRate({
      client,
      senderIds: paying.accounts.map((account) => account.id),
      recipients,
      amount: AMOUNT,
      warmupSeconds: WARMUP_SECONDS,
      seconds: SECONDS,
      beforeMeasuring: async () => {
        measuredFrom = (await node?.backlog()) ?? seeded;
        proxy.take();
        if (profilePath) await child.call("profile:start");
        stopMeter = await meterGateway(child);
        stopCpu = meterProcesses({ gateway: child.pid, anvil: node?.anvil.process.pid, bench: process.pid });
      },
    });
    const gatewayCpu = cpuPerUnit(stopCpu?.() ?? {}, payments.run.completed);
    const gatewayLoad = await stopMeter?.();
    if (profilePath) await child.call("profile:stop", profilePath);
    const gatewayTraffic = rpcTraffic(proxy.take(), payments.run.completed);
    const gatewayBacklog = await node.backlog();
    // The last payments' blocks need FINALITY_DEPTH blocks above them; nothing else mines now (and a
    // mined block also takes whatever automine left in the pool).
    await node.testClient.mine({ blocks: FINALITY_DEPTH + 1 });
    const settled = await countSettled([{ client, paymentIds: payments.accepted }], 30_000);

    step(`(6) ${PAGE_QUERIES} queries of a page of ${PAGE_ACCOUNTS} accounts with balances, one at a time`);
    const balances = await measureEvmBalanceRequests({
      client,
      subnetId: page.subnetId,
      proxy,
      queries: PAGE_QUERIES,
      fundedAmount: PAGE_FUND_EACH,
    });

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\nvalue-gateway bench, EVM: ${fmt(seconds)} s, anvil automine, ${SENDERS} senders × 1 in flight on each side\n`,
    );
    const latency = (run: ClosedLoopResult) => `${fmt(run.latencyP50Ms, 1)} / ${fmt(run.latencyP99Ms, 1)}`;
    const perUnit = (traffic: RpcTraffic) =>
      `${fmt(traffic.requestsPerUnit, 2)} / ${fmt(traffic.callsPerUnit, 2)} / ${fmt(traffic.msPerRequest, 1)}`;
    const refused = (run: ClosedLoopResult) =>
      [...run.failures].map(([why, n]) => `${why} ${n}`).join(", ") || "none";
    const backlog = (before: Backlog | null, after: Backlog) =>
      `${fmt(Number(after.blocks - (before?.blocks ?? 0n)))} / ${fmt(Number(after.pending))}`;
    printTable([
      ["figure", "gateway", "baseline (same run)", "ratio", "goal"],
      [
        "(5) EVM sendPayment payments/s",
        fmt(payments.run.perSecond),
        `${fmt(viem.run.perSecond)} viem sendTransaction`,
        fmt(payments.run.perSecond / viem.run.perSecond, 2),
        "ratio ≥ 0.8",
      ],
      ["    latency p50 / p99 ms", latency(payments.run), latency(viem.run), "", ""],
      [
        "    anvil requests / calls per payment, ms per request",
        perUnit(gatewayTraffic),
        perUnit(viem.traffic),
        "",
        "",
      ],
      [
        "    anvil blocks mined / txs still pending",
        backlog(measuredFrom, gatewayBacklog),
        backlog(null, viem.backlog),
        "",
        "",
      ],
      [
        "    CPU ms per payment: gateway + anvil + bench",
        `${fmt(gatewayCpu.gateway ?? Number.NaN, 1)} + ${fmt(gatewayCpu.anvil ?? Number.NaN, 1)} + ${fmt(gatewayCpu.bench ?? Number.NaN, 1)}`,
        `${fmt(viem.cpu.anvil ?? Number.NaN, 1)} anvil + ${fmt(viem.cpu.bench ?? Number.NaN, 1)} bench (viem)`,
        "",
        "",
      ],
      [
        "    baseline straight to anvil",
        "",
        `${fmt(viemDirect.run.perSecond)} viem sendTransaction (no proxy)`,
        fmt(payments.run.perSecond / viemDirect.run.perSecond, 2),
        "",
      ],
      [
        "    FINALIZED / accepted",
        `${fmt(settled.finalized)} / ${fmt(payments.accepted.length)}`,
        `${fmt(settled.failed)} failed, ${fmt(settled.open)} open after ${fmt(settled.waitedMs / 1000, 1)} s`,
        "",
        "",
      ],
      ["    refused", refused(payments.run), refused(viem.run), "", ""],
      [
        "(6) anvil requests per page of 100",
        fmt(balances.requestsPerPage, 2),
        `${fmt(balances.callsPerRequest)} calls per request`,
        "",
        "1",
      ],
      [
        "    other requests meanwhile",
        fmt(balances.otherRequestsPerPage, 2),
        balances.otherMethods.join(", ") || "none",
        "",
        "",
      ],
    ]);
    const byMethod = (traffic: RpcTraffic) =>
      traffic.byMethod.map(({ method, perUnit: n }) => `${method} ${fmt(n, 2)}`).join(", ");
    console.log("\n(5) JSON-RPC calls per payment by method (through the proxy):");
    console.log(`  gateway: ${byMethod(gatewayTraffic)}`);
    console.log(`  viem:    ${byMethod(viem.traffic)}`);
    if (gatewayLoad) {
      console.log(
        `(5) the gateway process: main thread ${pct(gatewayLoad.main)} on CPU + ${pct(gatewayLoad.mainWaitingForCpu)} waiting for one; ` +
          `process ${pct(gatewayLoad.process)}; bench ${pct(gatewayLoad.bench)}; machine ${pct(gatewayLoad.machine)} busy; ` +
          `event-loop delay p50 ${fmt(gatewayLoad.loopDelayMs.p50, 1)} / p99 ${fmt(gatewayLoad.loopDelayMs.p99, 1)} ms`,
      );
    }
    if (balances.pageSize !== PAGE_ACCOUNTS || balances.fundedSeen !== PAGE_FUNDED) {
      console.log(
        `(6) note: the page had ${balances.pageSize} accounts, ${balances.fundedSeen} of ${PAGE_FUNDED} funded ones showed their balance`,
      );
    }
    if (profilePath) {
      const summary = summarizeProfile(profilePath, 12);
      console.log(`\ngateway main thread during (5): ${pct(summary.busy)} busy (${profilePath})`);
      console.log(`  by place:    ${summary.places.map((p) => `${p.name} ${pct(p.share)}`).join(", ")}`);
      for (const f of summary.functions) console.log(`  ${pct(f.share).padStart(4)}  ${f.name}`);
    }
  } finally {
    await gateway?.stop();
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
