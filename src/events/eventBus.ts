import type { PaymentEventRecord } from "../store/store.ts";

/** A new block on a chain, as subscribers of `chainHeads` see it. */
export interface ChainHeadEvent {
  chainId: string;
  height: bigint;
  hash: string;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
}

/**
 * Live notifications after the fact: the event log in the store is the truth, the bus only says
 * "new events were committed". Transport-neutral on purpose (memory today, Redis for several
 * replicas): delivery may repeat or reorder events across publishers, so every event carries its
 * cursor and subscribers dedupe and order by it (see paymentEventStream.ts).
 */
export interface EventBus {
  /** Announces events already committed to the log. Call after the store write returns. */
  publishPaymentEvents(events: readonly PaymentEventRecord[]): void;
  /** Every published batch, of every tenant; returns the function that unsubscribes. */
  onPaymentEvents(listener: (events: readonly PaymentEventRecord[]) => void): () => void;
  publishHead(event: ChainHeadEvent): void;
  /** Every published head, of every chain; returns the function that unsubscribes. */
  onHead(listener: (event: ChainHeadEvent) => void): () => void;
  /**
   * Announces that the API key `apiKeyId` was revoked (call after the store write returns): every
   * replica forgets the key in its authenticator's cache and closes the sockets it opened.
   */
  publishApiKeyRevoked(apiKeyId: string): void;
  /**
   * Every revocation published on any replica, this one's synchronously inside publish; returns the
   * function that unsubscribes. A lost notice is signalled like lost events, through onResync.
   */
  onApiKeyRevoked(listener: (apiKeyId: string) => void): () => void;
  /**
   * Called when notifications may have been lost (a Redis bus after its connection came back):
   * whoever follows the log reads it again after its last cursor. A bus that never loses
   * notifications (memory) leaves it out. Returns the function that unsubscribes.
   */
  onResync?(listener: () => void): () => void;
  /** Drops every listener and releases the transport. */
  close(): Promise<void>;
}
