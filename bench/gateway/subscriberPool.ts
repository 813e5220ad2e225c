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
 * The sockets a pool opens for `targets`: consecutive targets with the same key, at most `perSocket`
 * to a socket (a socket authenticates as one tenant).
 */
export function socketGroups(
  targets: readonly SubscriptionTarget[],
  perSocket: number,
): SubscriptionTarget[][] {
  const groups: SubscriptionTarget[][] = [];
  let current: SubscriptionTarget[] = [];
  for (const target of targets) {
    if (current.length === perSocket || (current[0] && current[0].apiKey !== target.apiKey)) {
      groups.push(current);
      current = [];
    }
    current.push(target);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Opens graphql-ws sockets (package `ws`), each carrying up to `perSocket` subscriptions of one
 * tenant (socketGroups), and records every event they deliver with the instant it arrived. If a
 * socket cannot connect, the ones opened are closed again and the error is thrown.
 */
export async function openSubscriberPool(
  wsUrl: string,
  targets: readonly SubscriptionTarget[],
  perSocket: number,
): Promise<SubscriberPool> {
  const deliveries: Delivery[] = [];
  const errors: unknown[] = [];
  const groups = socketGroups(targets, perSocket);

  const clients: Client[] = [];
  const stops: (() => void)[] = [];
  const connecting = Promise.all(
    groups.map(async (group) => {
      const apiKey = group[0]?.apiKey;
      let connected!: () => void;
      let failed!: (error: unknown) => void;
      const ready = new Promise<void>((resolve, reject) => {
        connected = resolve;
        failed = reject;
      });
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${apiKey}` },
        on: {
          connected: () => connected(),
          error: (error) => {
            errors.push(error);
            failed(error);
          },
          // Refused without an error (a close code): once connected, a no-op.
          closed: (event) =>
            failed(new Error(`the socket closed before it connected (${(event as { code?: number }).code})`)),
        },
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
  try {
    await connecting;
  } catch (error) {
    for (const stop of stops) stop();
    await Promise.all(clients.map((client) => client.dispose()));
    throw error;
  }
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
