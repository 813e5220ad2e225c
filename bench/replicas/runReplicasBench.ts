// Issue 7, "past one machine": the gateway as 2 replicas on PostgreSQL + Redis (a standalone refchain
// node in its own process) against 1 replica on SQLite with the embedded node, measured in one run
// with the same chain block time, tenants, senders, load shape and durations:
//   sendPayment payments/s at full speed (accepted, and how many reached FINALIZED or failed);
//   commit → subscriber latency p50 / p99 at a steady payment rate, every account subscribed, the
//   sockets spread over the replicas: an event committed on one replica reaches the other's
//   subscribers over Redis, so "other replica" is the cross-replica path.
// Everything shares the machine (2 cores here): the replicas with PostgreSQL, Redis, the node and the
// load generator. The table says where the CPU went.
//
//   npm run bench:replicas
//   BENCH_BLOCK_MS=50 BENCH_CONNECTIONS=128 BENCH_SENDERS=200 BENCH_LATENCY_RATE=200 npm run bench:replicas
//   BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… npm run bench:replicas
//   BENCH_REPLICAS_LOG_LEVEL=warn npm run bench:replicas     (the gateways' log)
import { availableParallelism } from "node:os";
import {
  clusterServicesMissing,
  LOCAL_DATABASE_URL,
  TEST_REDIS_URL,
} from "../../test/support/clusterServices.ts";
import { machineCpu } from "../threadCpu.ts";
import type { Deployment } from "./deployment.ts";
import {
  type LoadShape,
  measureDeploymentLatency,
  measureDeploymentPayments,
  type SeededDeployment,
  seedDeployment,
} from "./measureDeployment.ts";
import { printReplicasTable } from "./printReplicasTable.ts";
import { startReplicaCluster } from "./startReplicaCluster.ts";
import { startSqliteGateway } from "./startSqliteGateway.ts";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const REPLICAS = 2;
const TENANTS = 4;
// Every account has one subscription: fewer than (3)'s 1,000 of bench/gateway.bench.ts, so that
// seeding both deployments fits the run's two minutes.
const SUBSCRIPTIONS = 500;
/** The machine's PostgreSQL (trust auth, database `test`) unless BENCH_DATABASE_URL says otherwise. */
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? LOCAL_DATABASE_URL;
/** The machine's Redis unless BENCH_REDIS_URL says otherwise. */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? TEST_REDIS_URL;

/** Measures both deployments, their figures alternating, and prints their table; skipped without PG or Redis. */
export async function runReplicasBench(): Promise<void> {
  const started = performance.now();
  const step = (text: string) =>
    console.log(`… ${text} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`\nreplicas bench (issue 7): ${REPLICAS} replicas on PostgreSQL + Redis vs 1 on SQLite`);
  const missing = await clusterServicesMissing(DATABASE_URL, REDIS_URL);
  if (missing !== null) {
    console.log(`replicas bench skipped: ${missing}`);
    return;
  }

  const busy = await machineBusyShare(1_000);
  if (busy > 0.2) {
    console.log(
      `note: the machine is already ${(100 * busy).toFixed(0)}% busy (of all cores) before the bench starts: ` +
        `every figure below shares it ("anything else" in the table)`,
    );
  }

  const blockTimeMs = setting("BENCH_BLOCK_MS", 200);
  const logLevel = process.env.BENCH_REPLICAS_LOG_LEVEL ?? "silent";
  const sendersPerTenant = Math.ceil(setting("BENCH_SENDERS", 100) / TENANTS);
  const receiversPerTenant = SUBSCRIPTIONS / TENANTS - sendersPerTenant;
  if (receiversPerTenant < 1) throw new Error(`BENCH_SENDERS must be below ${SUBSCRIPTIONS}`);
  const shape: LoadShape = {
    tenants: TENANTS,
    sendersPerTenant,
    receiversPerTenant,
    paymentConnections: setting("BENCH_CONNECTIONS", 256),
    // The warm-up also warms the second replica (JIT, connection pools, caches of keys and records).
    paymentWarmupSeconds: 4,
    paymentSeconds: 8,
    settleTimeoutMs: 30_000,
    latencyPaymentsPerSecond: setting("BENCH_LATENCY_RATE", 100),
    latencyWarmupSeconds: 2,
    latencySeconds: 5,
    perSocket: 10,
  };

  // Both deployments run for the whole bench, and their figures alternate (payments: baseline, then
  // replicas; latency: replicas, then baseline), so that whatever else the machine does at some
  // moment weighs on both alike rather than on whichever went second. The idle one costs little.
  const deployments: Deployment[] = [];
  try {
    step(`1 replica on SQLite, embedded refchain (a block every ${blockTimeMs} ms)`);
    deployments.push(await startSqliteGateway({ blockTimeMs, logLevel }));
    step(
      `${REPLICAS} replicas on PostgreSQL + Redis, standalone refchain node (a block every ${blockTimeMs} ms)`,
    );
    deployments.push(
      await startReplicaCluster({
        replicas: REPLICAS,
        blockTimeMs,
        logLevel,
        databaseUrl: DATABASE_URL,
        redisUrl: REDIS_URL,
      }),
    );
    const [sqlite, cluster] = deployments as [Deployment, Deployment];

    const seeded: SeededDeployment[] = [];
    for (const deployment of [sqlite, cluster]) {
      step(
        `${deployment.name}: seeding ${TENANTS} tenants × (${sendersPerTenant} funded senders + ${receiversPerTenant} receivers)`,
      );
      seeded.push(await seedDeployment(deployment, shape));
    }
    const [baseline, scaleOut] = seeded as [SeededDeployment, SeededDeployment];

    const payments = async (one: SeededDeployment) => {
      step(
        `${one.deployment.name}: sendPayment, ${shape.paymentConnections} connections, ${shape.paymentSeconds} s after ${shape.paymentWarmupSeconds} s warm-up`,
      );
      return measureDeploymentPayments(one, shape);
    };
    const latency = async (one: SeededDeployment) => {
      step(
        `${one.deployment.name}: commit → subscriber latency, ${SUBSCRIPTIONS} subscriptions, ${shape.latencyPaymentsPerSecond} payments/s`,
      );
      return measureDeploymentLatency(one, shape);
    };
    const baselinePayments = await payments(baseline);
    const scaleOutPayments = await payments(scaleOut);
    const scaleOutLatency = await latency(scaleOut);
    const baselineLatency = await latency(baseline);

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\nvalue-gateway replicas bench: one run, ${seconds.toFixed(0)} s, refchain block every ${blockTimeMs} ms, ` +
        `${TENANTS} tenants × ${sendersPerTenant} senders, ${shape.paymentConnections} connections for ` +
        `${shape.paymentSeconds} s, ${SUBSCRIPTIONS} subscriptions, ${availableParallelism()} cores\n`,
    );
    printReplicasTable(
      {
        name: cluster.name,
        figures: { seedSeconds: scaleOut.seedSeconds, payments: scaleOutPayments, latency: scaleOutLatency },
      },
      {
        name: sqlite.name,
        figures: { seedSeconds: baseline.seedSeconds, payments: baselinePayments, latency: baselineLatency },
      },
    );
  } finally {
    step("stopping both, dropping the schema and the Redis keys");
    for (const deployment of deployments.reverse()) {
      // Each one even when another could not: a run leaves nothing behind that it could remove.
      await deployment
        .close()
        .catch((error: unknown) => console.error(`${deployment.name}: closing failed`, error));
    }
  }
}

/** How busy the whole machine is over `ms` (0–1 of all cores); NaN without /proc. */
async function machineBusyShare(ms: number): Promise<number> {
  const before = machineCpu()?.busy ?? Number.NaN;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineCpu()?.busy ?? Number.NaN;
  return (after - before) / (ms / 1000) / availableParallelism();
}
