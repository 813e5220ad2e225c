import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { createClient } from "redis";
import { connectWithin } from "../cluster/redisConnection.ts";
import type { Logger } from "../logger.ts";
import type { PaymentEventRecord } from "../store/store.ts";
import type { ChainHeadEvent, EventBus } from "./eventBus.ts";
import { createMemoryEventBus } from "./memoryEventBus.ts";
import { decodeBusMessage, encodeBusMessage } from "./redisEventBusCodec.ts";

export interface RedisEventBusParameters {
  /** redis://host:port (credentials and database number included, as node-redis reads them). */
  url: string;
  logger: Logger;
  /**
   * Channels are `${channelPrefix}:payment-events`, `${channelPrefix}:heads` and
   * `${channelPrefix}:api-keys`. Default "value-gateway".
   */
  channelPrefix?: string;
  /** How long start-up waits for Redis before it fails. Default 10 s. */
  connectTimeoutMs?: number;
}

/** What travels on the payment-events channel: a batch, or "you may have missed some: read the log". */
type PaymentEventsMessage = { from: string; events: PaymentEventRecord[] } | { from: string; resync: true };

interface HeadMessage {
  from: string;
  head: ChainHeadEvent;
}

interface ApiKeyRevokedMessage {
  from: string;
  revokedApiKeyId: string;
}

/**
 * The EventBus of gateways that run as several replicas: every batch and head published on any
 * replica reaches the listeners of every replica, over Redis pub/sub (one publishing connection, one
 * subscribed connection per bus, each batch one message).
 *
 * A replica's own listeners get its publishes directly, synchronously inside publish (as with the
 * memory bus), not through Redis: that is faster, and keeps working while Redis is away. Each message
 * carries the id of the bus that sent it, and a bus ignores its own messages when Redis echoes them,
 * so no listener gets an event twice.
 *
 * Pub/sub forgets what it could not deliver, so notifications can be lost; the log cannot. A bus says
 * so through `onResync`, and a payment-event stream then reads the log after its last cursor:
 * - its subscribed connection came back (node-redis reconnects and subscribes again before it is
 *   ready; the resync fires after that, so whatever the re-read misses is published to a live
 *   subscription);
 * - a publish of its own failed on the way to Redis: the other replicas were not told, so a resync
 *   message goes to all of them once the connection is back (node-redis queues it meanwhile);
 * - a message it could not read.
 * Heads need none of this: the next head supersedes a missed one. A revocation notice whose publish
 * failed is covered the same way (the resync tells the others they may have missed one; they then
 * drop their cached keys and check their open sockets' keys against the store).
 *
 * Resolves once both connections are up and subscribed (node-redis keeps retrying until then, and
 * logs each failure here); rejects when Redis did not answer within `connectTimeoutMs`.
 */
export async function createRedisEventBus(parameters: RedisEventBusParameters): Promise<EventBus> {
  const { url, logger } = parameters;
  const prefix = parameters.channelPrefix ?? "value-gateway";
  const paymentChannel = `${prefix}:payment-events`;
  const headChannel = `${prefix}:heads`;
  const apiKeyChannel = `${prefix}:api-keys`;
  // Tells this bus's own messages apart when Redis echoes them back.
  const busId = randomUUID();
  // The local fan-out: a listener that throws is logged and skipped, as on a single gateway.
  const local = createMemoryEventBus({ logger });
  const resyncListeners = new Set<() => void>();
  let closed = false;
  let resyncBroadcastQueued = false;

  const publisher = createClient({ url, name: `${prefix}-publisher` });
  const subscriber = publisher.duplicate({ name: `${prefix}-subscriber` });
  watchConnection(publisher, "publisher", logger);
  watchConnection(subscriber, "subscriber", logger, () => resyncLocally("the subscription reconnected"));

  function resyncLocally(reason: string): void {
    if (closed) return;
    logger.info({ reason, channel: paymentChannel }, "event bus: payment streams read the log again");
    for (const listener of [...resyncListeners]) {
      try {
        listener();
      } catch (error) {
        logger.error({ err: error, kind: "resync" }, "an event listener threw; other listeners still ran");
      }
    }
  }

  function send(
    channel: string,
    message: PaymentEventsMessage | HeadMessage | ApiKeyRevokedMessage,
    onFailure?: () => void,
  ): void {
    if (closed) return;
    publisher.publish(channel, encodeBusMessage(message)).catch((error: unknown) => {
      if (closed) return;
      logger.warn({ err: error, channel }, "event bus: a publish did not reach Redis");
      onFailure?.();
    });
  }

  // One queued at a time: however many publishes failed, one resync tells the others all of it.
  function broadcastResync(): void {
    if (resyncBroadcastQueued) return;
    resyncBroadcastQueued = true;
    const message: PaymentEventsMessage = { from: busId, resync: true };
    publisher
      .publish(paymentChannel, encodeBusMessage(message))
      .then(
        () => {
          resyncBroadcastQueued = false;
        },
        (error: unknown) => {
          resyncBroadcastQueued = false;
          if (closed) return;
          logger.warn({ err: error }, "event bus: the resync did not reach Redis; trying again");
          broadcastResync();
        },
      )
      .catch(() => {});
  }

  function receivePaymentEvents(text: string): void {
    let message: PaymentEventsMessage;
    try {
      message = decodeBusMessage(text) as PaymentEventsMessage;
    } catch (error) {
      logger.error({ err: error, channel: paymentChannel }, "event bus: an unreadable message");
      resyncLocally("an unreadable message");
      return;
    }
    if (message.from === busId || closed) return;
    if ("resync" in message) resyncLocally("another replica could not publish");
    else local.publishPaymentEvents(message.events);
  }

  function receiveHead(text: string): void {
    let message: HeadMessage;
    try {
      message = decodeBusMessage(text) as HeadMessage;
    } catch (error) {
      logger.error({ err: error, channel: headChannel }, "event bus: an unreadable message");
      return;
    }
    if (message.from === busId || closed) return;
    local.publishHead(message.head);
  }

  function receiveApiKeyRevoked(text: string): void {
    let message: ApiKeyRevokedMessage;
    try {
      message = decodeBusMessage(text) as ApiKeyRevokedMessage;
    } catch (error) {
      logger.error({ err: error, channel: apiKeyChannel }, "event bus: an unreadable message");
      resyncLocally("an unreadable revocation notice");
      return;
    }
    if (message.from === busId || closed) return;
    local.publishApiKeyRevoked(message.revokedApiKeyId);
  }

  try {
    const timeoutMs = parameters.connectTimeoutMs ?? 10_000;
    await Promise.all([connectWithin(publisher, timeoutMs, url), connectWithin(subscriber, timeoutMs, url)]);
    await subscriber.subscribe(paymentChannel, receivePaymentEvents);
    await subscriber.subscribe(headChannel, receiveHead);
    await subscriber.subscribe(apiKeyChannel, receiveApiKeyRevoked);
  } catch (error) {
    closed = true;
    for (const client of [publisher, subscriber]) {
      try {
        client.destroy();
      } catch {
        // already destroyed by connectWithin
      }
    }
    throw error;
  }

  return {
    publishPaymentEvents(events) {
      if (events.length === 0 || closed) return;
      local.publishPaymentEvents(events);
      send(paymentChannel, { from: busId, events: [...events] }, broadcastResync);
    },
    onPaymentEvents: (listener) => local.onPaymentEvents(listener),
    publishHead(event) {
      if (closed) return;
      local.publishHead(event);
      send(headChannel, { from: busId, head: event });
    },
    onHead: (listener) => local.onHead(listener),
    publishApiKeyRevoked(apiKeyId) {
      if (closed) return;
      local.publishApiKeyRevoked(apiKeyId);
      send(apiKeyChannel, { from: busId, revokedApiKeyId: apiKeyId }, broadcastResync);
    },
    onApiKeyRevoked: (listener) => local.onApiKeyRevoked(listener),
    onResync(listener) {
      // A wrapper per subscription, as the memory bus does: the same function twice is two.
      const entry = () => listener();
      resyncListeners.add(entry);
      return () => {
        resyncListeners.delete(entry);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      resyncListeners.clear();
      await local.close();
      // close() lets commands already sent finish (the last publishes), then ends the connection.
      await Promise.allSettled([subscriber.close(), publisher.close()]);
    },
  };
}

/**
 * Logs the life of one connection. node-redis reconnects on its own; `onReconnected` runs each time
 * the connection is ready again after the first time.
 */
function watchConnection(
  client: Pick<EventEmitter, "on">,
  role: string,
  logger: Logger,
  onReconnected?: () => void,
): void {
  let readyBefore = false;
  // Without an "error" listener an EventEmitter throws; these errors are retried by node-redis.
  client.on("error", (error: unknown) =>
    logger.warn({ err: error, role }, "event bus: Redis connection error"),
  );
  client.on("reconnecting", () => logger.warn({ role }, "event bus: reconnecting to Redis"));
  client.on("ready", () => {
    if (!readyBefore) {
      readyBefore = true;
      return;
    }
    logger.info({ role }, "event bus: reconnected to Redis");
    onReconnected?.();
  });
}
