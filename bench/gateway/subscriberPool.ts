import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { wallClockMs } from "./wallClock.ts";

/** One subscription: whose key, and which account or subnet it follows. */
export interface SubscriptionTarget {
  apiKey: string;
  accountId?: string;
  subnetId?: string;
}

/** One event as a subscriber got it. */
export interface Delivery {
  cursor: string;
  /** CREATED, SUBMITTED, CONFIRMED, FINALIZED, RECEIVED, … */
  type: string;
  /** The event's `at` (ms since the epoch). */
  atMs: number;
  /** This process's wall clock when the client handed the event over. */
  receivedMs: number;
}

export interface SubscriberPool {
  deliveries: Delivery[];
  errors: unknown[];
  subscriptions: number;
  sockets: number;
  close(): Promise<void>;
}

const PAYMENT_EVENTS = `subscription ($accountId: ID, $subnetId: ID) {
  paymentEvents(accountId: $accountId, subnetId: $subnetId) { cursor type at payment { id status amount } }
}`;

/**
 * Opens graphql-ws sockets (package `ws`), each carrying several subscriptions of one tenant, and
 * records every event they deliver with the instant it arrived. `perSocket` targets share a socket;
 * the targets of one socket must have the same key.
 */
export async function openSubscriberPool(
  wsUrl: string,
  targets: readonly SubscriptionTarget[],
  perSocket: number,
): Promise<SubscriberPool> {
  const deliveries: Delivery[] = [];
  const errors: unknown[] = [];
  const groups: SubscriptionTarget[][] = [];
  for (let i = 0; i < targets.length; i += perSocket) groups.push(targets.slice(i, i + perSocket));

  const clients: Client[] = [];
  const stops: (() => void)[] = [];
  await Promise.all(
    groups.map(async (group) => {
      const apiKey = group[0]?.apiKey;
      if (group.some((target) => target.apiKey !== apiKey)) throw new Error("one socket, one tenant key");
      let connected!: () => void;
      const ready = new Promise<void>((resolve) => {
        connected = resolve;
      });
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${apiKey}` },
        on: { connected: () => connected(), error: (error) => errors.push(error) },
      });
      clients.push(client);
      await ready;
      for (const { accountId, subnetId } of group) {
        stops.push(
          client.subscribe<{ paymentEvents: { cursor: string; type: string; at: string } }>(
            { query: PAYMENT_EVENTS, variables: { accountId, subnetId } },
            {
              next: (result) => {
                const receivedMs = wallClockMs();
                const event = result.data?.paymentEvents;
                if (result.errors?.length || !event) errors.push(result.errors);
                else {
                  deliveries.push({
                    cursor: event.cursor,
                    type: event.type,
                    atMs: Date.parse(event.at),
                    receivedMs,
                  });
                }
              },
              error: (error) => errors.push(error),
              complete: () => {},
            },
          ),
        );
      }
    }),
  );
  return {
    deliveries,
    errors,
    subscriptions: targets.length,
    sockets: groups.length,
    async close() {
      for (const stop of stops) stop();
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}
