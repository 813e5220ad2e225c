import type { Store } from "../store/store.ts";
import type { EventBus } from "./eventBus.ts";

/**
 * Feeds the bus from the store: every committed batch of payment events is published once, in
 * cursor order, by the one component that knows the commit order. Writers (the payment sender, the
 * tracker) never publish payment events themselves. Returns a function that stops it.
 */
export function publishCommittedEvents(store: Store, bus: EventBus): () => void {
  return store.onEventsCommitted((events) => bus.publishPaymentEvents(events));
}
