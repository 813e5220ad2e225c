import type { ChildServer } from "./childServer.ts";
import type { GatewayCounters, GatewayInfo } from "./gatewayChild.ts";
import { loadTest } from "./loadTest.ts";
import { type GatewayLoad, meterGateways } from "./meterGateway.ts";
import { type OtherCpuMeter, withOtherCpu } from "./otherCpu.ts";
import { paymentTraffic } from "./paymentTraffic.ts";
import { percentile } from "./percentile.ts";
import type { SeededTenant } from "./seedGateway.ts";
import {
  openSubscriberPool,
  type SubscriberPool,
  type SubscriptionTarget,
  socketGroups,
} from "./subscriberPool.ts";

export interface SubscriberLatencyParameters {
  /**
   * One gateway, or replicas sharing one store and event bus: the subscription sockets are spread
   * over them round-robin, and so are the connections that send the payments.
   */
  gateway: ChildServer<GatewayInfo> | readonly ChildServer<GatewayInfo>[];
  tenants: readonly SeededTenant[];
  targets: readonly SubscriptionTarget[];
  perSocket: number;
  /** sendPayment mutations per second while measuring (a steady load, not the peak of (2)). */
  paymentsPerSecond: number;
  warmupSeconds: number;
  seconds: number;
  /** Where the (first) gateway profiles the measured run, if at all. */
  profilePath?: string;
  /** Counts the CPU of other processes (a standalone chain node, PostgreSQL, Redis) over the measured run. */
  otherCpu?: OtherCpuMeter;
}

/** Commit → subscriber latency of the deliveries that took one path. */
export interface PathLatency {
  /**
   * "same replica": the subscriber's gateway published the event (its commit happened there);
   * "other replica": another replica did, and the event came over the shared bus.
   */
  path: "same replica" | "other replica";
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SubscriberLatencyResult {
  subscriptions: number;
  sockets: number;
  /** Deliveries measured (events published in the window, as each subscriber got them). */
  samples: number;
  /** Publication (commit returned) → subscriber callback, on one clock. */
  commitP50Ms: number;
  commitP99Ms: number;
  commitMaxMs: number;
  /** The event's `at` (taken before its commit, ms resolution) → subscriber callback. */
  atP50Ms: number;
  atP99Ms: number;
  paymentsPerSecond: number;
  errors: number;
  /** The first gateway's load (the only one when there is one). */
  gatewayLoad: GatewayLoad;
  /** Every gateway's load, in the order given. */
  gatewayLoads: GatewayLoad[];
  /** CPU of each process `otherCpu` counts over the measured run, as a share of one core (NaN off Linux). */
  otherCpu: Record<string, number>;
  /** Commit → subscriber by event type: who publishes an event (sender, tracker) tells where it waited. */
  byType: { type: string; samples: number; p50Ms: number; p99Ms: number }[];
  /** Commit → subscriber by path; with one gateway every delivery is "same replica". */
  byPath: PathLatency[];
  /** Events published in the window, out of cursor order, and event-log reads by the streams (all gateways). */
  counters: GatewayCounters;
}

/**
 * (3) commit → subscriber latency: opens the subscriptions, sends payments at a steady rate, and
 * compares when each event reached a subscriber with when a gateway published it (stamped in the
 * gateway process right after the commit; each process's clock is aligned with this one's by round
 * trips). With replicas, an event is stamped only by the replica that published it: the others get
 * it from the bus, so a delivery on another replica measures the cross-replica path.
 */
export async function measureSubscriberLatency(
  parameters: SubscriberLatencyParameters,
): Promise<SubscriberLatencyResult> {
  const { tenants } = parameters;
  const gateways = [parameters.gateway].flat();
  const [first] = gateways;
  if (!first) throw new Error("measureSubscriberLatency needs a gateway");
  const pools: SubscriberPool[] = [];
  try {
    const spread = spreadSockets(parameters.targets, parameters.perSocket, gateways.length);
    for (const [g, gateway] of gateways.entries()) {
      pools.push(await openSubscriberPool(gateway.info.wsUrl, spread[g] ?? [], parameters.perSocket));
    }
    const traffic = (seconds: number, runId: string) =>
      loadTest({
        url: gateways.map((gateway) => gateway.info.url),
        // Enough connections that the rate holds while each sendPayment takes 100+ ms.
        connections: 64,
        seconds,
        overallRate: parameters.paymentsPerSecond,
        ...paymentTraffic(tenants, runId, "0.000001"),
      });
    // The subscriptions go live once the server has run their subscribe resolvers: the warm-up covers it.
    await traffic(parameters.warmupSeconds, `latency-warm-${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const offsetsMs: number[] = [];
    for (const gateway of gateways) offsetsMs.push(await gateway.clockOffsetMs());
    const firstDelivery = pools.map((pool) => pool.deliveries.length);
    const errorsBefore = pools.reduce((sum, pool) => sum + pool.errors.length, 0);
    if (parameters.profilePath) await first.call("profile:start");
    await Promise.all(gateways.map((gateway) => gateway.call("stamps:start")));
    const meter = await meterGateways(gateways);
    const { result: load, otherCpu } = await withOtherCpu(parameters.otherCpu, () =>
      traffic(parameters.seconds, `latency-${Date.now()}`),
    );
    const gatewayLoads = await meter();
    // Events of the last payments (FINALIZED comes a block later) still arrive: wait for them.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const taken = await Promise.all(
      gateways.map((gateway) =>
        gateway.call<{ stamps: [string, number][]; counters: GatewayCounters }>("stamps:take"),
      ),
    );
    // Cursor → when it was published, on this process's clock, and by which gateway.
    const stamps = new Map<string, { ms: number; by: number }>();
    taken.forEach((one, g) => {
      for (const [cursor, ms] of one.stamps) stamps.set(cursor, { ms: ms - (offsetsMs[g] ?? 0), by: g });
    });
    if (parameters.profilePath) await first.call("profile:stop", parameters.profilePath);

    const fromCommit: number[] = [];
    const fromAt: number[] = [];
    const byType = new Map<string, number[]>();
    const byPath = { same: [] as number[], other: [] as number[] };
    pools.forEach((pool, g) => {
      for (const delivery of pool.deliveries.slice(firstDelivery[g])) {
        const stamp = stamps.get(delivery.cursor);
        if (stamp === undefined) continue; // published before the window
        const latency = delivery.receivedMs - stamp.ms;
        fromCommit.push(latency);
        fromAt.push(delivery.receivedMs - delivery.atMs);
        const ofType = byType.get(delivery.type) ?? [];
        ofType.push(latency);
        byType.set(delivery.type, ofType);
        (stamp.by === g ? byPath.same : byPath.other).push(latency);
      }
    });
    const ascending = (a: number, b: number) => a - b;
    fromCommit.sort(ascending);
    fromAt.sort(ascending);
    const summary = (latencies: number[]) => {
      latencies.sort(ascending);
      return {
        samples: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      };
    };
    const sum = (pick: (counters: GatewayCounters) => number) =>
      taken.reduce((total, one) => total + pick(one.counters), 0);
    return {
      subscriptions: pools.reduce((total, pool) => total + pool.subscriptions, 0),
      sockets: pools.reduce((total, pool) => total + pool.sockets, 0),
      samples: fromCommit.length,
      commitP50Ms: percentile(fromCommit, 50),
      commitP99Ms: percentile(fromCommit, 99),
      commitMaxMs: fromCommit.at(-1) ?? Number.NaN,
      atP50Ms: percentile(fromAt, 50),
      atP99Ms: percentile(fromAt, 99),
      paymentsPerSecond: load.okPerSecond,
      errors: pools.reduce((total, pool) => total + pool.errors.length, 0) - errorsBefore + load.failed,
      gatewayLoad: gatewayLoads[0] as GatewayLoad,
      gatewayLoads,
      otherCpu,
      counters: {
        published: sum((c) => c.published),
        publishedOutOfOrder: sum((c) => c.publishedOutOfOrder),
        logReads: sum((c) => c.logReads),
      },
      byType: [...byType].map(([type, latencies]) => ({ type, ...summary(latencies) })),
      byPath: [
        { path: "same replica", ...summary(byPath.same) },
        { path: "other replica", ...summary(byPath.other) },
      ],
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

/**
 * The targets each gateway's subscribers follow: the pool's sockets (socketGroups) dealt to the
 * gateways in turn, so every gateway has subscribers of every tenant.
 */
function spreadSockets(
  targets: readonly SubscriptionTarget[],
  perSocket: number,
  gateways: number,
): SubscriptionTarget[][] {
  const spread = Array.from({ length: gateways }, (): SubscriptionTarget[] => []);
  socketGroups(targets, perSocket).forEach((group, i) => {
    spread[i % gateways]?.push(...group);
  });
  return spread;
}
