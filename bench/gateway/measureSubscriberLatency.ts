import type { ChildServer } from "./childServer.ts";
import type { GatewayCounters, GatewayInfo } from "./gatewayChild.ts";
import { loadTest } from "./loadTest.ts";
import { type GatewayLoad, meterGateway } from "./meterGateway.ts";
import { paymentTraffic } from "./paymentTraffic.ts";
import { percentile } from "./percentile.ts";
import type { SeededTenant } from "./seedGateway.ts";
import { openSubscriberPool, type SubscriptionTarget } from "./subscriberPool.ts";

export interface SubscriberLatencyParameters {
  gateway: ChildServer<GatewayInfo>;
  tenants: readonly SeededTenant[];
  targets: readonly SubscriptionTarget[];
  perSocket: number;
  /** sendPayment mutations per second while measuring (a steady load, not the peak of (2)). */
  paymentsPerSecond: number;
  warmupSeconds: number;
  seconds: number;
  profilePath?: string;
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
  gatewayLoad: GatewayLoad;
  /** Commit → subscriber by event type: who publishes an event (sender, tracker) tells where it waited. */
  byType: { type: string; samples: number; p50Ms: number; p99Ms: number }[];
  /** Events published in the window, out of cursor order, and event-log reads by the streams. */
  counters: GatewayCounters;
}

/**
 * (3) commit → subscriber latency: opens the subscriptions, sends payments at a steady rate, and
 * compares when each event reached a subscriber with when the gateway published it (stamped in the
 * gateway process right after the commit; the two processes' clocks are aligned by a round trip).
 */
export async function measureSubscriberLatency(
  parameters: SubscriberLatencyParameters,
): Promise<SubscriberLatencyResult> {
  const { gateway, tenants } = parameters;
  const pool = await openSubscriberPool(gateway.info.wsUrl, parameters.targets, parameters.perSocket);
  try {
    const traffic = (seconds: number, runId: string) =>
      loadTest({
        url: gateway.info.url,
        // Enough connections that the rate holds while each sendPayment takes 100+ ms.
        connections: 64,
        seconds,
        overallRate: parameters.paymentsPerSecond,
        ...paymentTraffic(tenants, runId, "0.000001"),
      });
    // The subscriptions go live once the server has run their subscribe resolvers: the warm-up covers it.
    await traffic(parameters.warmupSeconds, `latency-warm-${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const offsetMs = await gateway.clockOffsetMs();
    const firstDelivery = pool.deliveries.length;
    const errorsBefore = pool.errors.length;
    if (parameters.profilePath) await gateway.call("profile:start");
    await gateway.call("stamps:start");
    const meter = await meterGateway(gateway);
    const load = await traffic(parameters.seconds, `latency-${Date.now()}`);
    const gatewayLoad = await meter();
    // Events of the last payments (FINALIZED comes a block later) still arrive: wait for them.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const taken = await gateway.call<{ stamps: [string, number][]; counters: GatewayCounters }>(
      "stamps:take",
    );
    const stamps = new Map(taken.stamps);
    if (parameters.profilePath) await gateway.call("profile:stop", parameters.profilePath);

    const fromCommit: number[] = [];
    const fromAt: number[] = [];
    const byType = new Map<string, number[]>();
    for (const delivery of pool.deliveries.slice(firstDelivery)) {
      const stamp = stamps.get(delivery.cursor);
      if (stamp === undefined) continue; // published before the window
      const latency = delivery.receivedMs - (stamp - offsetMs);
      fromCommit.push(latency);
      fromAt.push(delivery.receivedMs - delivery.atMs);
      const ofType = byType.get(delivery.type) ?? [];
      ofType.push(latency);
      byType.set(delivery.type, ofType);
    }
    const ascending = (a: number, b: number) => a - b;
    fromCommit.sort(ascending);
    fromAt.sort(ascending);
    return {
      subscriptions: pool.subscriptions,
      sockets: pool.sockets,
      samples: fromCommit.length,
      commitP50Ms: percentile(fromCommit, 50),
      commitP99Ms: percentile(fromCommit, 99),
      commitMaxMs: fromCommit.at(-1) ?? Number.NaN,
      atP50Ms: percentile(fromAt, 50),
      atP99Ms: percentile(fromAt, 99),
      paymentsPerSecond: load.okPerSecond,
      errors: pool.errors.length - errorsBefore + load.failed,
      gatewayLoad,
      counters: taken.counters,
      byType: [...byType].map(([type, latencies]) => {
        latencies.sort(ascending);
        return {
          type,
          samples: latencies.length,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
        };
      }),
    };
  } finally {
    await pool.close();
  }
}
