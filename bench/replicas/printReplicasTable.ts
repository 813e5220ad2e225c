import { availableParallelism } from "node:os";
import type { PathLatency } from "../gateway/measureSubscriberLatency.ts";
import type { GatewayLoad } from "../gateway/meterGateway.ts";
import { printTable } from "../gateway/printTable.ts";
import type { DeploymentFigures } from "./measureDeployment.ts";

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const pct = (share: number) => `${fmt(100 * share)}%`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${fmt(a / b, 2)}×` : "n/a");

/** One column of the table: a deployment's name and its figures. */
export interface TableColumn {
  name: string;
  figures: DeploymentFigures;
}

/** The replicas bench's table: figure, the scale-out, the one-machine baseline (same run), ratio. */
export function printReplicasTable(scaleOut: TableColumn, baseline: TableColumn): void {
  const a = scaleOut.figures;
  const b = baseline.figures;
  const both = (cell: (figures: DeploymentFigures) => string) => [cell(a), cell(b)];
  const path = (figures: DeploymentFigures, name: PathLatency["path"]) => {
    const found = figures.latency.byPath.find((entry) => entry.path === name);
    return found && found.samples > 0
      ? `${fmt(found.p50Ms, 1)} / ${fmt(found.p99Ms, 1)} (${fmt(found.samples)})`
      : "none";
  };
  printTable([
    ["figure", scaleOut.name, `${baseline.name} (same run)`, "ratio"],
    [
      "sendPayment payments/s (accepted)",
      ...both((f) => fmt(f.payments.load.okPerSecond)),
      ratio(a.payments.load.okPerSecond, b.payments.load.okPerSecond),
    ],
    [
      "    FINALIZED / failed / open",
      ...both(
        (f) =>
          `${fmt(f.payments.settled.finalized)} / ${fmt(f.payments.settled.failed)} / ${fmt(f.payments.settled.open)} of ${fmt(f.payments.accepted)}`,
      ),
      ratio(a.payments.settled.finalized, b.payments.settled.finalized),
    ],
    [
      "    FINALIZED/s of the run",
      ...both((f) => fmt(f.payments.settled.finalized / f.payments.load.seconds)),
      "",
    ],
    [
      "    request latency p50 / p99 ms",
      ...both((f) => `${fmt(f.payments.load.latencyP50Ms)} / ${fmt(f.payments.load.latencyP99Ms)}`),
      ratio(a.payments.load.latencyP99Ms, b.payments.load.latencyP99Ms),
    ],
    [
      "    refused",
      ...both((f) => [...f.payments.refused].map(([code, n]) => `${code} ${n}`).join(", ") || "none"),
      "",
    ],
    [
      "commit→subscriber p50 / p99 ms, all",
      ...both((f) => `${fmt(f.latency.commitP50Ms, 1)} / ${fmt(f.latency.commitP99Ms, 1)}`),
      `p99 ${ratio(a.latency.commitP99Ms, b.latency.commitP99Ms)}`,
    ],
    ["    same replica (deliveries)", ...both((f) => path(f, "same replica")), ""],
    ["    other replica (deliveries)", ...both((f) => path(f, "other replica")), ""],
    [
      "    deliveries, max ms, errors",
      ...both((f) => `${fmt(f.latency.samples)}, ${fmt(f.latency.commitMaxMs, 1)}, ${f.latency.errors}`),
      "",
    ],
    [
      "    at payments/s, subscriptions",
      ...both((f) => `${fmt(f.latency.paymentsPerSecond)}, ${fmt(f.latency.subscriptions)}`),
      "",
    ],
    ["CPU at full speed, share of a core", "", "", ""],
    ...cpuRows(a, b, (f) => ({
      gateways: f.payments.gatewayLoads,
      others: f.payments.otherCpu,
    })),
    [`CPU at ${fmt(a.latency.paymentsPerSecond)} payments/s`, "", "", ""],
    ...cpuRows(a, b, (f) => ({ gateways: f.latency.gatewayLoads, others: f.latency.otherCpu })),
    ["seeding s", ...both((f) => fmt(f.seedSeconds, 1)), ""],
  ]);
}

/**
 * The CPU of a phase: each gateway process, the other processes (the chain node, PostgreSQL, Redis),
 * the bench, and what is left of the machine's busy time (anything else running on it).
 */
function cpuRows(
  a: DeploymentFigures,
  b: DeploymentFigures,
  phase: (figures: DeploymentFigures) => { gateways: GatewayLoad[]; others: Record<string, number> },
): string[][] {
  const cores = availableParallelism();
  const x = phase(a);
  const y = phase(b);
  const machine = (gateways: GatewayLoad[]) => (gateways[0]?.machine ?? Number.NaN) * cores;
  const bench = (gateways: GatewayLoad[]) => gateways[0]?.bench ?? Number.NaN;
  const rest = ({ gateways, others }: { gateways: GatewayLoad[]; others: Record<string, number> }) =>
    machine(gateways) -
    bench(gateways) -
    gateways.reduce((sum, load) => sum + load.process, 0) -
    Object.values(others).reduce((sum, share) => sum + share, 0);
  const names = [...new Set([...Object.keys(x.others), ...Object.keys(y.others)])];
  const other = (others: Record<string, number>, name: string) =>
    others[name] === undefined ? "none" : pct(others[name]);
  return [
    [
      "    gateway processes",
      x.gateways.map((load) => pct(load.process)).join(" + "),
      y.gateways.map((load) => pct(load.process)).join(" + "),
      "",
    ],
    [
      "    main threads waiting for a core",
      x.gateways.map((load) => pct(load.mainWaitingForCpu)).join(" + "),
      y.gateways.map((load) => pct(load.mainWaitingForCpu)).join(" + "),
      "",
    ],
    ...names.map((name) => [`    ${name}`, other(x.others, name), other(y.others, name), ""]),
    ["    bench (load, subscribers)", pct(bench(x.gateways)), pct(bench(y.gateways)), ""],
    ["    anything else (the idle deployment too)", pct(rest(x)), pct(rest(y)), ""],
    [
      "    machine busy",
      `${pct(machine(x.gateways))} of ${cores * 100}%`,
      `${pct(machine(y.gateways))} of ${cores * 100}%`,
      "",
    ],
  ];
}
