import { printTable } from "../gateway/printTable.ts";
import { summarizeProfile } from "../gateway/summarizeProfile.ts";
import type { BenchNode, ChainBenchResults, ChainUnderBench } from "./chainUnderBench.ts";
import type { ClosedLoopResult } from "./closedLoop.ts";
import { fmt, pct } from "./formatFigure.ts";
import type { RpcTraffic } from "./rpcTraffic.ts";

/** What a run refused, by reason: "none" when it refused nothing. */
export const refusals = (run: ClosedLoopResult) =>
  [...run.failures].map(([why, n]) => `${why} ${n}`).join(", ") || "none";

const latency = (run: ClosedLoopResult) => `${fmt(run.latencyP50Ms, 1)} / ${fmt(run.latencyP99Ms, 1)}`;
const perUnit = (traffic: RpcTraffic) =>
  `${fmt(traffic.requestsPerUnit, 2)} / ${fmt(traffic.callsPerUnit, 2)} / ${fmt(traffic.msPerRequest, 1)}`;
const byMethod = (traffic: RpcTraffic) =>
  traffic.byMethod.map(({ method, perUnit: n }) => `${method} ${fmt(n, 3)}`).join(", ");
const cpuOf = (by: Record<string, number>, name: string) => fmt(by[name] ?? Number.NaN, 2);

/** Prints a chain's payment-rate and balance-page figures: the title, the table and the lines after it. */
export function printChainBench<Node extends BenchNode, BaselineNote, GatewayNote>(
  chain: ChainUnderBench<Node, BaselineNote, GatewayNote>,
  results: ChainBenchResults<BaselineNote, GatewayNote>,
  page: { accounts: number; funded: number },
): void {
  const { labels, figures } = chain;
  const { node } = labels;
  const { gateway, baseline, direct, balances } = results;
  const extra = chain.extraRows(results);
  console.log(
    `\nvalue-gateway bench, ${chain.name}: ${fmt(results.seconds)} s, ${labels.title}, ${chain.settings.senders} senders × 1 in flight on each side\n`,
  );
  printTable([
    ["figure", "gateway", "baseline (same run)", "ratio", "goal"],
    [
      `(${figures.payments}) ${chain.name} sendPayment payments/s`,
      fmt(gateway.run.perSecond),
      `${fmt(baseline.run.perSecond)} ${labels.baseline}`,
      fmt(gateway.run.perSecond / baseline.run.perSecond, 2),
      "ratio ≥ 0.8",
    ],
    ["    latency p50 / p99 ms", latency(gateway.run), latency(baseline.run), "", ""],
    [
      `    ${node} requests / calls per payment, ms per request`,
      perUnit(gateway.traffic),
      perUnit(baseline.traffic),
      "",
      "",
    ],
    ...(extra.afterTraffic ?? []),
    [
      `    CPU ms per payment: gateway + ${node} + bench`,
      `${cpuOf(gateway.cpu, "gateway")} + ${cpuOf(gateway.cpu, node)} + ${cpuOf(gateway.cpu, "bench")}`,
      `${cpuOf(baseline.cpu, node)} ${node} + ${cpuOf(baseline.cpu, "bench")} bench (${labels.library})`,
      "",
      "",
    ],
    ...(extra.afterCpu ?? []),
    [
      `    baseline straight to ${labels.theNode}`,
      "",
      `${fmt(direct.run.perSecond)} ${labels.baseline} (no proxy)`,
      fmt(gateway.run.perSecond / direct.run.perSecond, 2),
      "",
    ],
    [
      "    FINALIZED / accepted",
      `${fmt(gateway.settled.finalized)} / ${fmt(gateway.accepted.length)}`,
      `${fmt(gateway.settled.failed)} failed, ${fmt(gateway.settled.open)} open after ${fmt(gateway.settled.waitedMs / 1000, 1)} s`,
      "",
      "",
    ],
    ...(extra.afterSettled ?? []),
    ["    refused", refusals(gateway.run), refusals(baseline.run), "", ""],
    [
      `(${figures.page}) ${node} requests per page of ${page.accounts}`,
      fmt(balances.balanceRequestsPerPage, 2),
      `${fmt(balances.callsPerBalanceRequest)} ${balances.balanceRead} calls per request`,
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
  console.log(`\n(${figures.payments}) JSON-RPC calls per payment by method (through the proxy):`);
  console.log(`  gateway: ${byMethod(gateway.traffic)}`);
  console.log(`  ${`${labels.library}:`.padEnd("gateway:".length)} ${byMethod(baseline.traffic)}`);
  for (const line of chain.extraLines(results)) console.log(line);
  const { load } = gateway;
  if (load) {
    console.log(
      `(${figures.payments}) the gateway process: main thread ${pct(load.main)} on CPU + ${pct(load.mainWaitingForCpu)} waiting for one; ` +
        `process ${pct(load.process)}; bench ${pct(load.bench)}; machine ${pct(load.machine)} busy; ` +
        `event-loop delay p50 ${fmt(load.loopDelayMs.p50, 1)} / p99 ${fmt(load.loopDelayMs.p99, 1)} ms`,
    );
  }
  if (balances.pageSize !== page.accounts || balances.fundedSeen !== page.funded) {
    console.log(
      `(${figures.page}) note: the page had ${balances.pageSize} accounts, ${balances.fundedSeen} of ${page.funded} funded ones showed their balance`,
    );
  }
  if (results.profilePath) {
    const summary = summarizeProfile(results.profilePath, 12);
    console.log(
      `\ngateway main thread during (${figures.payments}): ${pct(summary.busy)} busy (${results.profilePath})`,
    );
    console.log(`  by place:    ${summary.places.map((p) => `${p.name} ${pct(p.share)}`).join(", ")}`);
    for (const f of summary.functions) console.log(`  ${pct(f.share).padStart(4)}  ${f.name}`);
  }
}
