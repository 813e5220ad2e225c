import type { Logger } from "../logger.ts";
import type { PaymentEventRecord } from "../store/store.ts";
import type { ChainHeadEvent, EventBus } from "./eventBus.ts";

export interface MemoryEventBusParameters {
  /** Where a listener's exception goes; without one it is dropped. */
  logger?: Logger;
}

/**
 * The in-process EventBus of a single gateway (the embedded default). Listeners run synchronously
 * inside publish, so a listener must only queue work; one that throws is logged and skipped, never
 * allowed to keep the others from their events.
 */
export function createMemoryEventBus(parameters: MemoryEventBusParameters = {}): EventBus {
  const paymentListeners = new Set<(events: readonly PaymentEventRecord[]) => void>();
  const headListeners = new Set<(event: ChainHeadEvent) => void>();
  const revokedKeyListeners = new Set<(apiKeyId: string) => void>();

  // A snapshot per publish: a listener that unsubscribes (or subscribes) during delivery does not
  // change who receives this event.
  function deliver<T>(listeners: Set<(value: T) => void>, value: T, kind: string): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        parameters.logger?.error({ err: error, kind }, "an event listener threw; other listeners still ran");
      }
    }
  }

  function subscribe<T>(listeners: Set<T>, listener: T): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = ((value: unknown) => (listener as (value: unknown) => void)(value)) as T;
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  }

  return {
    publishPaymentEvents(events) {
      if (events.length > 0) deliver(paymentListeners, events, "payment-events");
    },
    onPaymentEvents: (listener) => subscribe(paymentListeners, listener),
    publishHead(event) {
      deliver(headListeners, event, "chain-head");
    },
    onHead: (listener) => subscribe(headListeners, listener),
    publishApiKeyRevoked(apiKeyId) {
      deliver(revokedKeyListeners, apiKeyId, "api-key-revoked");
    },
    onApiKeyRevoked: (listener) => subscribe(revokedKeyListeners, listener),
    async close() {
      paymentListeners.clear();
      headListeners.clear();
      revokedKeyListeners.clear();
    },
  };
}
