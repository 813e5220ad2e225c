import type { Store } from "../store/store.ts";
import type { GatewayMetrics } from "./gatewayMetrics.ts";

/**
 * Counts every payment event this process commits in gateway_payments_total, by the status the
 * payment reached. The store announces only this process's own commits (whichever of its writers
 * made them), and every event is committed by exactly one replica: summed over replicas, each status
 * change counts once, and a replica that does not send or track counts nothing. Returns a function
 * that stops counting.
 */
export function countCommittedPayments(store: Store, metrics: GatewayMetrics): () => void {
  return store.onEventsCommitted((events) => {
    for (const { payment } of events) {
      metrics.payments.inc({ chain: payment.chainId, direction: payment.direction, status: payment.status });
    }
  });
}
