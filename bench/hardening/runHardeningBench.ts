// Issue 8's figure of `npm run bench`: what query limits and metrics cost, as req/s of the same
// requests with them on and off, in the same run:
//   (9) req/s with limits + metrics ÷ req/s without them, for two queries           goal ≥ 0.9
//       (the median of the rounds' ratios: each round runs both sides back to back, in turn first),
//       and the gateway process's CPU per request on each side, which the machine's noise moves less;
//       - `{ account(id) { balance } }`: the small request, where a fixed cost per request shows most;
//       - a subnet's page of 100 accounts with balances: a bigger document, where the cost
//         analysis walks more fields.
// Two gateways run side by side, each in its own process, from the same code and settings; the
// baseline is started with BENCH_LIMITS_AND_METRICS=off (startGateway's limitsAndMetrics: false, no
// query-limit rules or plugin, no operation, chain-call or payment metrics). The "on" gateway also
// has GATEWAY_METRICS_TOKEN set, as in production (process metrics are collected then), and is
// scraped once after the runs: the bench refuses figures from a gateway whose metrics did not count.
// Rounds alternate which side goes first, so drift on a noisy machine hits both alike.
//
//   npm run bench:hardening          (these figures alone, ~110 s)
//   BENCH_HARDENING_SECONDS=3 BENCH_HARDENING_ROUNDS=2 npm run bench:hardening
//   BENCH_PROFILE_DIR=/tmp/prof npm run bench:hardening   (both gateways during each load's last round)
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildServer, startChildServer } from "../gateway/childServer.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { assertAnswers, combineRounds, type LoadTestResult, loadTest } from "../gateway/loadTest.ts";
import { meterGateway } from "../gateway/meterGateway.ts";
import { printTable } from "../gateway/printTable.ts";
import { seedGateway } from "../gateway/seedGateway.ts";
import { summarizeProfile } from "../gateway/summarizeProfile.ts";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = setting("BENCH_HARDENING_ROUNDS", 8);
const ROUND_SECONDS = setting("BENCH_HARDENING_SECONDS", 2.5);
const WARMUP_SECONDS = 3;
const CONNECTIONS = setting("BENCH_QUERY_CONNECTIONS", 32);
const METRICS_TOKEN = randomBytes(32).toString("base64url");
const PAGE_SIZE = 100;
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";

interface Side {
  name: "on" | "off";
  child: ChildServer<GatewayInfo>;
  loads: { name: string; headers: Record<string, string>; body: string }[];
}

/** Runs (9) and prints its table. */
export async function runHardeningBench(): Promise<void> {
  const started = performance.now();
  const step = (text: string) => console.log(`… ${text} (${fmt((performance.now() - started) / 1000)} s)`);
  console.log("\nissue 8: query limits + metrics on vs off, the same requests in the same run");
  const dataDirs: string[] = [];
  const children: ChildServer<GatewayInfo>[] = [];
  try {
    step("starting two gateways (limits + metrics on; off), each in its own process");
    const start = async (name: Side["name"]) => {
      const dataDir = mkdtempSync(join(tmpdir(), `gateway-bench-${name}-`));
      dataDirs.push(dataDir);
      const child = await startChildServer<GatewayInfo>({
        entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
        env: {
          PORT: "0",
          DATA_DIR: dataDir,
          LOG_LEVEL: "silent",
          ...(name === "on" ? { GATEWAY_METRICS_TOKEN: METRICS_TOKEN } : { BENCH_LIMITS_AND_METRICS: "off" }),
        },
      });
      children.push(child);
      return child;
    };
    const [on, off] = [await start("on"), await start("off")];

    step(`seeding each: a tenant, a subnet, ${PAGE_SIZE} accounts, one funded`);
    const sides: Side[] = await Promise.all(
      (
        [
          ["on", on],
          ["off", off],
        ] as const
      ).map(async ([name, child]) => {
        const [tenant] = await seedGateway(child.info, {
          tenants: 1,
          sendersPerTenant: 1,
          receiversPerTenant: PAGE_SIZE - 1,
          fundEach: "1000",
        });
        const account = tenant?.senders[0];
        if (!tenant || !account) throw new Error("seeding made no account");
        const headers = { authorization: `Bearer ${tenant.apiKey}` };
        return {
          name,
          child,
          loads: [
            {
              name: "account { balance }",
              headers,
              body: JSON.stringify({ query: `{ account(id: "${account.id}") { balance } }` }),
            },
            {
              name: `page of ${PAGE_SIZE} accounts with balances`,
              headers,
              body: JSON.stringify({
                query: `{ subnet(id: "${tenant.subnetId}") { accounts(first: ${PAGE_SIZE}) { edges { node { id address label balance } } } } }`,
              }),
            },
          ],
        };
      }),
    );

    const rows: string[][] = [];
    const profiles: { name: string; path: string }[] = [];
    if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
    const loadNames = sides[0]?.loads.map((load) => load.name) ?? [];
    for (const [index, loadName] of loadNames.entries()) {
      const results = new Map<Side["name"], Round[]>([
        ["on", []],
        ["off", []],
      ]);
      const loadOf = (side: Side) => {
        const load = side.loads[index];
        if (!load) throw new Error(`no load ${index}`);
        return { url: side.child.info.url, headers: load.headers, body: load.body, connections: CONNECTIONS };
      };
      step(
        `${loadName}: ${CONNECTIONS} connections, ${ROUNDS} × ${ROUND_SECONDS} s per side after ${WARMUP_SECONDS} s warm-up`,
      );
      for (const side of sides) {
        await assertAnswers(loadOf(side));
        await loadTest({ ...loadOf(side), seconds: WARMUP_SECONDS });
      }
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          const profilePath =
            PROFILE_DIR && round === ROUNDS - 1
              ? join(PROFILE_DIR, `hardening-${index}-${side.name}.cpuprofile`)
              : null;
          if (profilePath) await side.child.call("profile:start");
          const stopMeter = await meterGateway(side.child);
          const result = await loadTest({ ...loadOf(side), seconds: ROUND_SECONDS });
          const gatewayLoad = await stopMeter();
          results.get(side.name)?.push({ result, cpuSeconds: gatewayLoad.process * result.seconds });
          if (profilePath) {
            await side.child.call("profile:stop", profilePath);
            profiles.push({ name: `${loadName}, ${side.name}`, path: profilePath });
          }
        }
      }
      const onRounds = results.get("on") ?? [];
      const offRounds = results.get("off") ?? [];
      const on = combineRounds(onRounds.map((r) => r.result));
      const off = combineRounds(offRounds.map((r) => r.result));
      // Each round's pair ran back to back: their ratio is the least disturbed by the machine's drift.
      const pairRatios = onRounds
        .map((r, i) => r.result.okPerSecond / (offRounds[i]?.result.okPerSecond ?? Number.NaN))
        .sort((a, b) => a - b);
      const cpuMsPerRequest = (rounds: Round[]) =>
        (1000 * rounds.reduce((sum, r) => sum + r.cpuSeconds, 0)) /
        rounds.reduce((sum, r) => sum + r.result.ok, 0);
      const [onCpu, offCpu] = [cpuMsPerRequest(onRounds), cpuMsPerRequest(offRounds)];
      rows.push(
        [
          `(9) ${loadName} req/s`,
          fmt(on.okPerSecond),
          fmt(off.okPerSecond),
          `${fmt(median(pairRatios), 2)} (${fmt(pairRatios[0] ?? Number.NaN, 2)}–${fmt(pairRatios.at(-1) ?? Number.NaN, 2)})`,
          "ratio ≥ 0.9",
        ],
        ["    gateway CPU ms per request", fmt(onCpu, 3), fmt(offCpu, 3), fmt(offCpu / onCpu, 2), ""],
        [
          "    latency p50 / p99 ms; failed",
          `${fmt(on.latencyP50Ms, 1)} / ${fmt(on.latencyP99Ms, 1)}; ${fmt(on.failed)}`,
          `${fmt(off.latencyP50Ms, 1)} / ${fmt(off.latencyP99Ms, 1)}; ${fmt(off.failed)}`,
          "",
          "",
        ],
      );
    }

    const counted = await countedRequests(on.info.url);
    if (counted === 0)
      throw new Error("the 'on' gateway's /metrics counted no request: the figures are void");
    const offMetrics = await fetch(metricsUrl(off.info.url), {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });

    console.log(`\nissue 8 bench: one run, ${fmt((performance.now() - started) / 1000)} s\n`);
    printTable([
      ["figure", "limits + metrics on", "off (same run)", "ratio: median of rounds (range)", "goal"],
      ...rows,
    ]);
    console.log(
      `\n"on" counted ${fmt(counted)} requests in gateway_graphql_requests_total; "off" has no /metrics (HTTP ${offMetrics.status}).`,
    );
    for (const profile of profiles) {
      const summary = summarizeProfile(profile.path, 15);
      console.log(
        `\ngateway main thread during ${profile.name}: ${fmt(100 * summary.busy)}% busy (${profile.path})`,
      );
      console.log(`  by place: ${summary.places.map((p) => `${p.name} ${fmt(100 * p.share)}%`).join(", ")}`);
      for (const f of summary.functions) console.log(`  ${`${fmt(100 * f.share)}%`.padStart(4)}  ${f.name}`);
    }
  } finally {
    for (const child of children) await child.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** One side's run of one round: the load's result and the gateway process's CPU seconds meanwhile. */
interface Round {
  result: LoadTestResult;
  cpuSeconds: number;
}

const median = (sorted: readonly number[]) => {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

const metricsUrl = (graphqlUrl: string) => new URL("/metrics", graphqlUrl).toString();

/** The sum of gateway_graphql_requests_total over all its labels, from the gateway's /metrics. */
async function countedRequests(graphqlUrl: string): Promise<number> {
  const response = await fetch(metricsUrl(graphqlUrl), {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  let total = 0;
  for (const line of (await response.text()).split("\n")) {
    if (line.startsWith("gateway_graphql_requests_total{")) total += Number(line.split(" ").at(-1));
  }
  return total;
}
