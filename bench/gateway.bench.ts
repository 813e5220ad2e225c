// The gateway under load, every figure against a baseline measured in the same run (the machine is
// noisy: ratios, never absolute pass/fail; nothing here is in the test suite). Issue 3's goals:
//   (1) `{ account(id) { balance } }` req/s ÷ a bare Apollo Server 5 hello world      goal ≥ 0.8
//   (2) sendPayment end to end on refchain, durable, payments/s (and ÷ hello world)     goal ≥ 5,000/s
//   (3) commit → subscriber latency with 1,000 graphql-ws subscriptions, vs 1           goal p99 ≤ 10 ms
//   (4) adapter getBalances calls for a page of 100 accounts with balances              goal 1
//   (5) sendPayment on EVM (anvil) payments/s ÷ raw viem sendTransaction/s              goal ≥ 0.8
//   (6) HTTP requests reaching anvil for a page of 100 EVM accounts with balances       goal 1
//   (7) sendPayment on Solana (local endpoint) payments/s ÷ raw web3.js sends/s         goal ≥ 0.8
//   (8) HTTP requests reaching the Solana endpoint for a page of 100 accounts           goal 1
//   (9) req/s with query limits + metrics on ÷ the same with them off                  goal ≥ 0.9
// (9) comes next, with its own table: bench/hardening/runHardeningBench.ts;
// (5) and (6) run last, with their own table: bench/evm/runEvmBench.ts; then (7) and (8),
// bench/solana/runSolanaBench.ts; then issue 7's 2 replicas on PostgreSQL + Redis vs 1 on SQLite,
// bench/replicas/runReplicasBench.ts (skipped, saying why, without PostgreSQL or Redis).
// The servers run in child processes (bench/gateway/*Child.ts); the load generator (autocannon) and
// the subscribers run here, so they never share the server's thread.
//
//   npm run bench:gateway
//   BENCH_PROFILE_DIR=/tmp/prof npm run bench:gateway   (the gateway's main thread during (1), (2), (3))
//   BENCH_BLOCK_MS=50 BENCH_CONNECTIONS=512 BENCH_SENDERS=200 BENCH_LATENCY_RATE=200 npm run bench:gateway
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEvmBench } from "./evm/runEvmBench.ts";
import { type ChildServer, startChildServer } from "./gateway/childServer.ts";
import type { GatewayInfo } from "./gateway/gatewayChild.ts";
import type { HelloWorldInfo } from "./gateway/helloWorldChild.ts";
import { measureBalanceCalls } from "./gateway/measureBalanceCalls.ts";
import { measurePaymentRate } from "./gateway/measurePaymentRate.ts";
import { measureQueryRate } from "./gateway/measureQueryRate.ts";
import { measureSubscriberLatency } from "./gateway/measureSubscriberLatency.ts";
import type { GatewayLoad } from "./gateway/meterGateway.ts";
import { printTable } from "./gateway/printTable.ts";
import { seedGateway } from "./gateway/seedGateway.ts";
import type { SubscriptionTarget } from "./gateway/subscriberPool.ts";
import { summarizeProfile } from "./gateway/summarizeProfile.ts";
import { runHardeningBench } from "./hardening/runHardeningBench.ts";
import { runReplicasBench } from "./replicas/runReplicasBench.ts";
import { runSolanaBench } from "./solana/runSolanaBench.ts";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BLOCK_MS = setting("BENCH_BLOCK_MS", 200);
const TENANTS = 4;
const SENDERS = setting("BENCH_SENDERS", 100);
const SUBSCRIPTIONS = 1_000;
const PER_SOCKET = 10;
const QUERY_CONNECTIONS = setting("BENCH_QUERY_CONNECTIONS", 32);
const PAYMENT_CONNECTIONS = setting("BENCH_CONNECTIONS", 256);
const LATENCY_RATE = setting("BENCH_LATENCY_RATE", 100);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const pct = (share: number) => `${fmt(100 * share)}%`;
const step = (text: string) => console.log(`… ${text} (${fmt((performance.now() - started) / 1000)} s)`);
const profilePath = (phase: string) =>
  PROFILE_DIR ? join(PROFILE_DIR, `gateway-${phase}.cpuprofile`) : undefined;

const started = performance.now();
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

step("(4) getBalances calls per page of 100 accounts, the gateway in this process");
const calls = await measureBalanceCalls(5);

step(
  `starting the gateway (a refchain block every ${BLOCK_MS} ms) and the hello world, each in its own process`,
);
const dataDir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
const children: ChildServer<unknown>[] = [];
try {
  const gatewayStarting = startChildServer<GatewayInfo>({
    entry: new URL("./gateway/gatewayChild.ts", import.meta.url),
    env: { PORT: "0", DATA_DIR: dataDir, REFCHAIN_BLOCK_TIME_MS: String(BLOCK_MS), LOG_LEVEL: "silent" },
  });
  const helloStarting = startChildServer<HelloWorldInfo>({
    entry: new URL("./gateway/helloWorldChild.ts", import.meta.url),
  });
  const [gateway, hello] = await Promise.all([gatewayStarting, helloStarting]).finally(async () => {
    for (const starting of [gatewayStarting, helloStarting]) {
      const child = await starting.catch(() => null);
      if (child) children.push(child);
    }
  });

  const sendersPerTenant = Math.ceil(SENDERS / TENANTS);
  // Every account gets one subscription in (3): senders and receivers make up the 1,000.
  const receiversPerTenant = SUBSCRIPTIONS / TENANTS - sendersPerTenant;
  if (receiversPerTenant < 1) throw new Error(`BENCH_SENDERS must be below ${SUBSCRIPTIONS}`);
  step(`seeding ${TENANTS} tenants × (${sendersPerTenant} funded senders + ${receiversPerTenant} receivers)`);
  const tenants = await seedGateway(gateway.info, {
    tenants: TENANTS,
    sendersPerTenant,
    receiversPerTenant,
    fundEach: "1000",
  });
  const [first] = tenants;
  const account = first?.senders[0];
  if (!first || !account) throw new Error("seeding made no sender");

  step(
    `(1) account balance query vs hello world, ${QUERY_CONNECTIONS} connections, 2 × 5 s each after 3 s warm-up`,
  );
  const queryProfile = profilePath("query");
  const query = await measureQueryRate({
    gateway: { url: gateway.info.url, apiKey: first.apiKey, accountId: account.id },
    helloWorldUrl: hello.info.url,
    connections: QUERY_CONNECTIONS,
    warmupSeconds: 3,
    rounds: 2,
    roundSeconds: 5,
    ...(queryProfile ? { profile: { gateway, path: queryProfile } } : {}),
  });

  step(
    `(2) sendPayment from ${sendersPerTenant * TENANTS} senders, ${PAYMENT_CONNECTIONS} connections, 10 s after 3 s warm-up`,
  );
  const payments = await measurePaymentRate({
    gateway,
    tenants,
    connections: PAYMENT_CONNECTIONS,
    warmupSeconds: 3,
    seconds: 10,
    settleTimeoutMs: 30_000,
    profilePath: profilePath("payments"),
  });

  // Every account of every tenant followed by one subscription, 10 per socket, a socket per tenant key.
  const targets: SubscriptionTarget[] = tenants.flatMap((tenant) =>
    [...tenant.senders, ...tenant.receivers].map((seeded) => ({
      apiKey: tenant.apiKey,
      accountId: seeded.id,
    })),
  );
  const latency = (subscriptionTargets: SubscriptionTarget[], phase: string) =>
    measureSubscriberLatency({
      gateway,
      tenants,
      targets: subscriptionTargets,
      perSocket: PER_SOCKET,
      paymentsPerSecond: LATENCY_RATE,
      warmupSeconds: 2,
      seconds: 6,
      profilePath: profilePath(phase),
    });
  step(`(3) commit → subscriber latency at ${LATENCY_RATE} payments/s: 1 subscriber (subnet of tenant 1)`);
  const oneSubscriber = await latency([{ apiKey: first.apiKey, subnetId: first.subnetId }], "subscriber-1");
  step(
    `(3) the same with ${targets.length} subscriptions (one per account) on ${targets.length / PER_SOCKET} sockets`,
  );
  const manySubscribers = await latency(targets, "subscribers-1000");

  const seconds = (performance.now() - started) / 1000;
  console.log(`\nvalue-gateway bench: one run, ${fmt(seconds)} s, refchain block every ${BLOCK_MS} ms\n`);
  const helloRate = query.helloWorld.okPerSecond;
  printTable([
    ["figure", "gateway", "baseline (same run)", "ratio", "goal"],
    [
      "(1) account { balance } req/s",
      fmt(query.gateway.okPerSecond),
      `${fmt(helloRate)} hello world`,
      fmt(query.ratio, 2),
      "ratio ≥ 0.8",
    ],
    [
      "    latency p50 / p99 ms",
      `${fmt(query.gateway.latencyP50Ms, 1)} / ${fmt(query.gateway.latencyP99Ms, 1)}`,
      `${fmt(query.helloWorld.latencyP50Ms, 1)} / ${fmt(query.helloWorld.latencyP99Ms, 1)}`,
      "",
      "",
    ],
    [
      "(2) sendPayment payments/s",
      fmt(payments.load.okPerSecond),
      `${fmt(helloRate)} hello world`,
      fmt(payments.load.okPerSecond / helloRate, 2),
      "≥ 5,000/s",
    ],
    [
      "    FINALIZED / accepted",
      `${fmt(payments.settled.finalized)} / ${fmt(payments.accepted)}`,
      `${fmt(payments.settled.failed)} failed, ${fmt(payments.settled.open)} open after ${fmt(payments.settled.waitedMs / 1000, 1)} s`,
      "",
      "",
    ],
    [
      "    latency p50 / p99 ms",
      `${fmt(payments.load.latencyP50Ms)} / ${fmt(payments.load.latencyP99Ms)}`,
      `refused: ${[...payments.refused].map(([code, n]) => `${code} ${n}`).join(", ") || "none"}`,
      "",
      "",
    ],
    [
      `(3) commit→subscriber p50 / p99 ms`,
      `${fmt(manySubscribers.commitP50Ms, 1)} / ${fmt(manySubscribers.commitP99Ms, 1)} (${manySubscribers.subscriptions} subs)`,
      `${fmt(oneSubscriber.commitP50Ms, 1)} / ${fmt(oneSubscriber.commitP99Ms, 1)} (1 sub)`,
      `p99 ${fmt(manySubscribers.commitP99Ms / oneSubscriber.commitP99Ms, 1)}×`,
      "p99 ≤ 10 ms",
    ],
    [
      "    event at→subscriber p50 / p99 ms",
      `${fmt(manySubscribers.atP50Ms, 1)} / ${fmt(manySubscribers.atP99Ms, 1)}`,
      `${fmt(oneSubscriber.atP50Ms, 1)} / ${fmt(oneSubscriber.atP99Ms, 1)}`,
      "",
      "",
    ],
    [
      "    deliveries, max ms, errors",
      `${fmt(manySubscribers.samples)}, ${fmt(manySubscribers.commitMaxMs, 1)}, ${manySubscribers.errors}`,
      `${fmt(oneSubscriber.samples)}, ${fmt(oneSubscriber.commitMaxMs, 1)}, ${oneSubscriber.errors}`,
      "",
      `at ${fmt(manySubscribers.paymentsPerSecond)} / ${fmt(oneSubscriber.paymentsPerSecond)} payments/s`,
    ],
    [
      "    published, out of order, log reads",
      `${fmt(manySubscribers.counters.published)}, ${fmt(manySubscribers.counters.publishedOutOfOrder)}, ${fmt(manySubscribers.counters.logReads)}`,
      `${fmt(oneSubscriber.counters.published)}, ${fmt(oneSubscriber.counters.publishedOutOfOrder)}, ${fmt(oneSubscriber.counters.logReads)}`,
      "",
      "",
    ],
    [
      "(4) getBalances calls per page of 100",
      fmt(calls.callsPerQuery, 2),
      `${fmt(calls.balancesPerCall)} balances per call`,
      "",
      "1",
    ],
  ]);
  const load = (name: string, l: GatewayLoad) =>
    `  ${name.padEnd(32)} main thread ${pct(l.main)} on CPU + ${pct(l.mainWaitingForCpu)} waiting for one; ` +
    `process ${pct(l.process)}; bench ${pct(l.bench)}; machine ${pct(l.machine)} busy; ` +
    `event-loop delay p50 ${fmt(l.loopDelayMs.p50, 1)} / p99 ${fmt(l.loopDelayMs.p99, 1)} / max ${fmt(l.loopDelayMs.max)} ms`;
  console.log(
    "\nthe gateway process during the measured runs (CPU as a share of one core; machine: of all):",
  );
  console.log(load("(2) sendPayment at full speed", payments.gatewayLoad));
  console.log(load(`(3) ${manySubscribers.subscriptions} subscriptions`, manySubscribers.gatewayLoad));
  console.log(load("(3) 1 subscription", oneSubscriber.gatewayLoad));
  console.log("\n(3) commit → subscriber p50 / p99 ms by event type (samples):");
  for (const run of [manySubscribers, oneSubscriber]) {
    const types = run.byType.map(
      (t) => `${t.type} ${fmt(t.p50Ms, 1)} / ${fmt(t.p99Ms, 1)} (${fmt(t.samples)})`,
    );
    console.log(`  ${String(run.subscriptions).padStart(4)} subs: ${types.join(", ")}`);
  }
  if (calls.pageSize !== 100 || calls.fundedSeen !== 5) {
    console.log(
      `(4) note: the page had ${calls.pageSize} accounts, ${calls.fundedSeen} of 5 funded ones showed their balance`,
    );
  }

  if (PROFILE_DIR) {
    for (const phase of ["query", "payments", "subscribers-1000"]) {
      const path = profilePath(phase);
      if (!path) continue;
      const summary = summarizeProfile(path, 12);
      console.log(`\ngateway main thread during ${phase}: ${pct(summary.busy)} busy (${path})`);
      console.log(`  by place:    ${summary.places.map((p) => `${p.name} ${pct(p.share)}`).join(", ")}`);
      for (const f of summary.functions) console.log(`  ${pct(f.share).padStart(4)}  ${f.name}`);
    }
  }
} finally {
  for (const child of children) await child.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

await runHardeningBench();
await runEvmBench();
await runSolanaBench();
await runReplicasBench();
