import type { ChildServer } from "./childServer.ts";
import { countSettled, type SettledCount } from "./countSettled.ts";
import type { GatewayInfo } from "./gatewayChild.ts";
import { type LoadTestResult, loadTest } from "./loadTest.ts";
import { type GatewayLoad, meterGateways } from "./meterGateway.ts";
import { type OtherCpuMeter, withOtherCpu } from "./otherCpu.ts";
import { paymentTraffic } from "./paymentTraffic.ts";
import type { SeededTenant } from "./seedGateway.ts";

export interface PaymentRateParameters {
  /**
   * One gateway, or replicas sharing one store: the load generator's connections go to them
   * round-robin, as a load balancer without affinity would send them.
   */
  gateway: ChildServer<GatewayInfo> | readonly ChildServer<GatewayInfo>[];
  tenants: readonly SeededTenant[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** How long to wait for the measured payments to reach FINALIZED (or FAILED). */
  settleTimeoutMs: number;
  /** Where the (first) gateway profiles the measured run (a .cpuprofile path), if at all. */
  profilePath?: string;
  /** Counts the CPU of other processes (a standalone chain node, PostgreSQL, Redis) over the measured run. */
  otherCpu?: OtherCpuMeter;
}

export interface PaymentRateResult {
  /** Accepted sendPayment mutations per second (each answered after its commit and broadcast). */
  load: LoadTestResult;
  accepted: number;
  refused: Map<string, number>;
  settled: SettledCount;
  /** The first gateway's load (the only one when there is one). */
  gatewayLoad: GatewayLoad;
  /** Every gateway's load, in the order given. */
  gatewayLoads: GatewayLoad[];
  /** CPU of each process `otherCpu` counts over the measured run, as a share of one core (NaN off Linux). */
  otherCpu: Record<string, number>;
}

const AMOUNT = "0.001";

/**
 * (2) sendPayment end to end on refchain at full speed: many senders at once, unique keys; then how
 * many of the accepted payments the chain finalized (polled, bounded), so the rate is of real payments.
 */
export async function measurePaymentRate(parameters: PaymentRateParameters): Promise<PaymentRateResult> {
  const { tenants, connections } = parameters;
  const gateways = [parameters.gateway].flat();
  const [first] = gateways;
  if (!first) throw new Error("measurePaymentRate needs a gateway");
  const urls = gateways.map((gateway) => gateway.info.url);
  const settle = (accepted: string[][], timeoutMs: number) =>
    countSettled(
      tenants.map((tenant, t) => ({ client: tenant.client, paymentIds: accepted[t] ?? [] })),
      timeoutMs,
    );

  // Warm-up: JIT, statements, lanes; then let its payments settle so the measured run starts quiet.
  const warm = paymentTraffic(tenants, `warm-${Date.now()}`, AMOUNT);
  await loadTest({ url: urls, connections, seconds: parameters.warmupSeconds, ...warm });
  await settle(warm.accepted, parameters.settleTimeoutMs);

  const traffic = paymentTraffic(tenants, `run-${Date.now()}`, AMOUNT);
  if (parameters.profilePath) await first.call("profile:start");
  const meter = await meterGateways(gateways);
  const { result: load, otherCpu } = await withOtherCpu(parameters.otherCpu, () =>
    loadTest({ url: urls, connections, seconds: parameters.seconds, ...traffic }),
  );
  const gatewayLoads = await meter();
  if (parameters.profilePath) await first.call("profile:stop", parameters.profilePath);
  const settled = await settle(traffic.accepted, parameters.settleTimeoutMs);
  return {
    load,
    accepted: traffic.accepted.reduce((sum, ids) => sum + ids.length, 0),
    refused: traffic.refused,
    settled,
    gatewayLoad: gatewayLoads[0] as GatewayLoad,
    gatewayLoads,
    otherCpu,
  };
}
