import { measurePaymentRate, type PaymentRateResult } from "../gateway/measurePaymentRate.ts";
import {
  measureSubscriberLatency,
  type SubscriberLatencyResult,
} from "../gateway/measureSubscriberLatency.ts";
import { type SeededTenant, seedGateway } from "../gateway/seedGateway.ts";
import type { SubscriptionTarget } from "../gateway/subscriberPool.ts";
import type { Deployment } from "./deployment.ts";

/** What every deployment gets, the same for all so that their figures compare. */
export interface LoadShape {
  tenants: number;
  sendersPerTenant: number;
  receiversPerTenant: number;
  /** Connections sending payments at full speed, spread over the gateways. */
  paymentConnections: number;
  paymentWarmupSeconds: number;
  paymentSeconds: number;
  settleTimeoutMs: number;
  /** The steady payment rate while the subscribers' latency is measured. */
  latencyPaymentsPerSecond: number;
  latencyWarmupSeconds: number;
  latencySeconds: number;
  /** Subscriptions per graphql-ws socket (every account has one subscription). */
  perSocket: number;
}

export interface DeploymentFigures {
  seedSeconds: number;
  payments: PaymentRateResult;
  latency: SubscriberLatencyResult;
}

/** A deployment with its tenants, seeded through its first gateway (the others share its store). */
export interface SeededDeployment {
  deployment: Deployment;
  tenants: SeededTenant[];
  seedSeconds: number;
}

export async function seedDeployment(deployment: Deployment, shape: LoadShape): Promise<SeededDeployment> {
  const [first] = deployment.gateways;
  if (!first) throw new Error(`${deployment.name}: no gateway`);
  const started = performance.now();
  const tenants = await seedGateway(first.info, {
    tenants: shape.tenants,
    sendersPerTenant: shape.sendersPerTenant,
    receiversPerTenant: shape.receiversPerTenant,
    fundEach: "1000",
  });
  return { deployment, tenants, seedSeconds: (performance.now() - started) / 1000 };
}

/** sendPayment at full speed, the connections spread over the deployment's gateways. */
export function measureDeploymentPayments(
  { deployment, tenants }: SeededDeployment,
  shape: LoadShape,
): Promise<PaymentRateResult> {
  return measurePaymentRate({
    gateway: deployment.gateways,
    tenants,
    connections: shape.paymentConnections,
    warmupSeconds: shape.paymentWarmupSeconds,
    seconds: shape.paymentSeconds,
    settleTimeoutMs: shape.settleTimeoutMs,
    otherCpu: deployment.otherCpu,
  });
}

/**
 * Commit → subscriber latency at a steady rate, every account followed by one subscription, the
 * sockets and the payments spread over the deployment's gateways.
 */
export function measureDeploymentLatency(
  { deployment, tenants }: SeededDeployment,
  shape: LoadShape,
): Promise<SubscriberLatencyResult> {
  const targets: SubscriptionTarget[] = tenants.flatMap((tenant) =>
    [...tenant.senders, ...tenant.receivers].map((seeded) => ({
      apiKey: tenant.apiKey,
      accountId: seeded.id,
    })),
  );
  return measureSubscriberLatency({
    gateway: deployment.gateways,
    tenants,
    targets,
    perSocket: shape.perSocket,
    paymentsPerSecond: shape.latencyPaymentsPerSecond,
    warmupSeconds: shape.latencyWarmupSeconds,
    seconds: shape.latencySeconds,
    otherCpu: deployment.otherCpu,
  });
}
