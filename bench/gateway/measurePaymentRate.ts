import type { ChildServer } from "./childServer.ts";
import { countSettled, type SettledCount } from "./countSettled.ts";
import type { GatewayInfo } from "./gatewayChild.ts";
import { type LoadTestResult, loadTest } from "./loadTest.ts";
import { type GatewayLoad, meterGateway } from "./meterGateway.ts";
import { paymentTraffic } from "./paymentTraffic.ts";
import type { SeededTenant } from "./seedGateway.ts";

export interface PaymentRateParameters {
  gateway: ChildServer<GatewayInfo>;
  tenants: readonly SeededTenant[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** How long to wait for the measured payments to reach FINALIZED (or FAILED). */
  settleTimeoutMs: number;
  /** Where the gateway profiles the measured run (a .cpuprofile path), if at all. */
  profilePath?: string;
}

export interface PaymentRateResult {
  /** Accepted sendPayment mutations per second (each answered after its commit and broadcast). */
  load: LoadTestResult;
  accepted: number;
  refused: Map<string, number>;
  settled: SettledCount;
  gatewayLoad: GatewayLoad;
}

const AMOUNT = "0.001";

/**
 * (2) sendPayment end to end on refchain at full speed: many senders at once, unique keys; then how
 * many of the accepted payments the chain finalized (polled, bounded), so the rate is of real payments.
 */
export async function measurePaymentRate(parameters: PaymentRateParameters): Promise<PaymentRateResult> {
  const { gateway, tenants, connections } = parameters;
  const settle = (accepted: string[][], timeoutMs: number) =>
    countSettled(
      tenants.map((tenant, t) => ({ client: tenant.client, paymentIds: accepted[t] ?? [] })),
      timeoutMs,
    );

  // Warm-up: JIT, statements, lanes; then let its payments settle so the measured run starts quiet.
  const warm = paymentTraffic(tenants, `warm-${Date.now()}`, AMOUNT);
  await loadTest({ url: gateway.info.url, connections, seconds: parameters.warmupSeconds, ...warm });
  await settle(warm.accepted, parameters.settleTimeoutMs);

  const traffic = paymentTraffic(tenants, `run-${Date.now()}`, AMOUNT);
  if (parameters.profilePath) await gateway.call("profile:start");
  const meter = await meterGateway(gateway);
  const load = await loadTest({
    url: gateway.info.url,
    connections,
    seconds: parameters.seconds,
    ...traffic,
  });
  const gatewayLoad = await meter();
  if (parameters.profilePath) await gateway.call("profile:stop", parameters.profilePath);
  const settled = await settle(traffic.accepted, parameters.settleTimeoutMs);
  return {
    load,
    accepted: traffic.accepted.reduce((sum, ids) => sum + ids.length, 0),
    refused: traffic.refused,
    settled,
    gatewayLoad,
  };
}
