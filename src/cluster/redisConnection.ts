import { createClient } from "redis";
import type { Logger } from "../logger.ts";
import { withDeadline } from "../withDeadline.ts";

const createConnection = (url: string, name: string) => createClient({ url, name });

/** The node-redis client the gateway's coordination (leases, send locks, rate limits) runs on. */
export type RedisConnection = ReturnType<typeof createConnection>;

export interface OpenRedisConnectionOptions {
  /** redis://host:port (credentials and database number included, as node-redis reads them). */
  url: string;
  /** Shown in CLIENT LIST, to tell a replica's connections apart. */
  name: string;
  logger: Logger;
  /** How long start-up waits for a first connection. Default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * Connects to Redis, or fails within `connectTimeoutMs` saying where nothing answered (node-redis
 * alone would retry forever, and the gateway would hang at start-up). Once connected, node-redis
 * reconnects by itself; commands issued meanwhile wait in its queue, and each failure is logged.
 */
export async function openRedisConnection(options: OpenRedisConnectionOptions): Promise<RedisConnection> {
  const { url, name, logger } = options;
  const client = createConnection(url, name);
  // Without an "error" listener node-redis' EventEmitter throws; the errors are retried anyway.
  client.on("error", (error: unknown) =>
    logger.warn({ err: error, connection: name }, "Redis connection error"),
  );
  await connectWithin(client, options.connectTimeoutMs ?? 10_000, url);
  return client;
}

/** Connects `client`, or destroys it and rejects once `timeoutMs` passed without a connection. */
export async function connectWithin(
  client: { connect(): Promise<unknown>; destroy(): void },
  timeoutMs: number,
  url: string,
): Promise<void> {
  try {
    await withDeadline(
      client.connect(),
      timeoutMs,
      () =>
        new Error(
          `REDIS_URL: no Redis answered at ${redactedUrl(url)} within ${Math.round(timeoutMs / 1000)} s. ` +
            "Start Redis there, fix REDIS_URL, or unset it to keep events, leases and rate limits in memory (one replica).",
        ),
    );
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "REDIS_URL";
  }
}
