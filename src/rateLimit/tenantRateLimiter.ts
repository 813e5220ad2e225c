import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { createClient } from "redis";
import type { RateLimit } from "../config/config.ts";
import { RateLimitedError } from "../errors/gatewayError.ts";
import type { Logger } from "../logger.ts";

/** Counts every GraphQL operation of a tenant against its budget (GATEWAY_RATE_LIMIT). */
export interface TenantRateLimiter {
  /** Counts one operation of `tenantId`; rejects with RateLimitedError, and only with it, when it is over budget. */
  consume(tenantId: string): Promise<void>;
  /** Stops using the limiter. The Redis client is the caller's: it stays open. */
  close(): Promise<void>;
}

/**
 * What the limiter needs of a node-redis (v6) client, whatever options made it: rate-limiter-flexible
 * counts with one EVAL per operation, and reads isReady to fall back to memory while Redis is not.
 */
export type RateLimitRedisClient = Pick<ReturnType<typeof createClient>, "isReady" | "eval">;

export interface TenantRateLimiterOptions {
  /** The budget; null never limits. */
  limit: RateLimit | null;
  /** Where replicas keep one shared count per tenant; null counts in this process only. */
  redis: RateLimitRedisClient | null;
  /** REDIS_KEY_PREFIX: a tenant's count is the key `${keyPrefix}:rate:${tenantId}`. */
  keyPrefix: string;
  logger: Logger;
}

const UNLIMITED: TenantRateLimiter = {
  consume: async () => {},
  close: async () => {},
};

/**
 * A fixed window per tenant: the first operation starts a window of `limit.windowSeconds`, and at
 * most `limit.points` operations fit in it. With Redis the count lives there, so every replica draws
 * on the same budget. When Redis is not ready (down, restarting, never reached), each replica counts
 * in its own memory instead: limits stay on, per replica, and no request fails for Redis's sake.
 */
export function createTenantRateLimiter(options: TenantRateLimiterOptions): TenantRateLimiter {
  const { limit, redis, logger } = options;
  if (limit === null) return UNLIMITED;
  const keyPrefix = `${options.keyPrefix}:rate`;
  const budget = { points: limit.points, duration: limit.windowSeconds, keyPrefix };
  const memory = new RateLimiterMemory(budget);
  const limiter =
    redis === null
      ? memory
      : new RateLimiterRedis({
          ...budget,
          storeClient: redis,
          // rate-limiter-flexible tells node-redis from ioredis by the constructor's name, which
          // node-redis v5+ no longer has ("Class"): without this it calls ioredis's API.
          useRedisPackage: true,
          // node-redis queues commands while it reconnects: without this an outage would hold every
          // request until Redis is back, instead of falling back to the insurance limiter at once.
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
          // A tenant already over budget is refused from memory until its window ends: a runaway
          // client costs this replica no Redis round trip per refused operation.
          inMemoryBlockOnConsumed: limit.points + 1,
        });
  const watchRedis = redis === null ? () => {} : redisFallbackWarning(redis, logger);

  return {
    async consume(tenantId) {
      watchRedis();
      try {
        await limiter.consume(tenantId);
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) {
          throw new RateLimitedError({
            tenantId,
            points: limit.points,
            windowSeconds: limit.windowSeconds,
            retryAfterSeconds: Math.min(limit.windowSeconds, refusal.msBeforeNext / 1000),
          });
        }
        // Not a refusal but a failure of the limiter itself (the memory fallback cannot fail for
        // Redis): limits protect the gateway, they are not worth failing a payment for.
        logger.error({ err: refusal, tenantId }, "rate limiter failed; the operation is let through");
      }
    },
    close: async () => {},
  };
}

/**
 * Warns once when Redis stops being ready and limits fall back to each replica's memory (a tenant
 * then gets up to the budget per replica), and says so again once Redis is back. Per consume it
 * reads one property.
 */
function redisFallbackWarning(redis: RateLimitRedisClient, logger: Logger): () => void {
  let fallingBack = false;
  return () => {
    if (redis.isReady === !fallingBack) return;
    fallingBack = !redis.isReady;
    if (fallingBack) {
      logger.warn(
        "rate limits: Redis is not ready; each replica limits tenants in its own memory until it is",
      );
    } else {
      logger.info("rate limits: Redis is ready again; replicas share each tenant's budget");
    }
  };
}
