import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.ts";
import type { RedisConnection } from "./redisConnection.ts";
import type { SendLocks } from "./sendLocks.ts";

export interface RedisSendLocksOptions {
  redis: RedisConnection;
  /** Keys are `${keyPrefix}:send-lock:${signer}` and `${keyPrefix}:send-last:${signer}`. */
  keyPrefix: string;
  /** This replica, unique among the replicas. */
  replicaId: string;
  logger: Logger;
  /** A holder that died frees the lock after this long; a live one extends it. Default 10 s. */
  ttlMs?: number;
  /** How long a send waits for the lock before it gives up. Default 30 s. */
  waitMs?: number;
}

// Takes the lock when free and swaps in this replica as the last holder: the reply says who held it
// last ('' when nobody did or that record expired: read everything again, to be safe).
const TAKE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local last = redis.call('GET', KEYS[2]) or ''
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return last
end
return false
`;

const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const FREE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// How long "who sent last" is remembered: past it, a replica reads the account again anyway.
const LAST_HOLDER_MS = 24 * 3600 * 1000;

/**
 * SendLocks in Redis: SET NX PX per account, extended while the batch runs, released with a
 * compare-and-delete; waiters poll with a short, growing pause (batches are short, and a replica
 * batches everything queued for an account while it waits, so the lock changes hands per batch, not
 * per payment).
 *
 * If a holder stalls past the expiry, a second replica may sign with the same nonce: the chain takes
 * one of the two transactions, and the other payment fails as CHAIN_REJECTED. Never paid twice; the
 * expiry is long and extended to make it rare.
 */
export function redisSendLocks(options: RedisSendLocksOptions): SendLocks {
  const { redis, keyPrefix, replicaId, logger } = options;
  const ttlMs = options.ttlMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;

  async function take(lockKey: string, lastKey: string, token: string): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    let pause = 1;
    for (;;) {
      const last = await redis.eval(TAKE, {
        keys: [lockKey, lastKey],
        arguments: [token, String(ttlMs), replicaId, String(LAST_HOLDER_MS)],
      });
      if (typeof last === "string") return last !== replicaId;
      if (Date.now() >= deadline) {
        throw new Error(
          `waited ${Math.round(waitMs / 1000)} s for another replica to finish sending from this address (lock ${lockKey})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 50);
    }
  }

  return {
    async run(signer, send) {
      const lockKey = `${keyPrefix}:send-lock:${signer}`;
      const lastKey = `${keyPrefix}:send-last:${signer}`;
      const token = `${replicaId}:${randomUUID()}`;
      const handedOver = await take(lockKey, lastKey, token);
      const extend = setInterval(() => {
        redis
          .eval(EXTEND, { keys: [lockKey], arguments: [token, String(ttlMs)] })
          .then((extended) => {
            if (extended !== 1) logger.error({ signer }, "a send lock expired while its batch ran");
          })
          .catch((error: unknown) => logger.warn({ err: error, signer }, "could not extend a send lock"));
      }, ttlMs / 3);
      try {
        return await send(handedOver);
      } finally {
        clearInterval(extend);
        await redis
          .eval(FREE, { keys: [lockKey], arguments: [token] })
          .catch((error: unknown) =>
            logger.warn({ err: error, signer }, "could not free a send lock; it expires on its own"),
          );
      }
    },
  };
}
