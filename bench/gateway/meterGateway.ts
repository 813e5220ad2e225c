import type { ChildServer } from "./childServer.ts";
import type { GatewayInfo } from "./gatewayChild.ts";

/** How the gateway process fared over a phase. */
export interface GatewayLoad {
  /** CPU of the main thread as a share of one core: JavaScript, GraphQL, SQLite (synchronous). */
  main: number;
  /**
   * Share of the time the main thread was runnable but waiting for a core (taken by the load generator,
   * the signature workers, …). On a 2-core machine, CPU the main thread did not get.
   */
  mainWaitingForCpu: number;
  /** CPU of every thread: the main one plus refchain's signature workers and block writer. */
  process: number;
  /** How busy the whole machine was (0–1 of all cores): the bench, the gateway, anything else. */
  machine: number;
  /** CPU of the bench process (load generator, subscribers) as a share of one core. */
  bench: number;
  /**
   * How late the main thread's event loop ran a 1 ms timer (p50, p99, max). Near the latencies a
   * subscriber sees: what blocked the loop (a synchronous commit, a long task) delayed everything.
   */
  loopDelayMs: { p50: number; p99: number; max: number };
}

/** Starts metering the gateway child; the returned function ends the phase and tells its load. */
export async function meterGateway(gateway: ChildServer<GatewayInfo>): Promise<() => Promise<GatewayLoad>> {
  const stop = await meterGateways([gateway]);
  return async () => {
    const [load] = await stop();
    if (!load) throw new Error("meterGateways returned no load");
    return load;
  };
}

/**
 * Starts metering several gateway children (replicas) over one phase; the returned function ends it
 * and tells each one's load, in the order given (`bench` is the same for all: this process).
 */
export async function meterGateways(
  gateways: readonly ChildServer<GatewayInfo>[],
): Promise<() => Promise<GatewayLoad[]>> {
  await Promise.all(gateways.map((gateway) => gateway.call("meter:start")));
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  return async () => {
    const bench = process.cpuUsage(benchBefore);
    const seconds = (performance.now() - started) / 1000;
    const loads = await Promise.all(
      gateways.map((gateway) => gateway.call<Omit<GatewayLoad, "bench">>("meter:stop")),
    );
    return loads.map((load) => ({ ...load, bench: (bench.user + bench.system) / 1e6 / seconds }));
  };
}
