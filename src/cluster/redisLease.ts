import type { Lease } from "./lease.ts";
import type { RedisConnection } from "./redisConnection.ts";

export interface RedisLeaseOptions {
  redis: RedisConnection;
  /** The lease's key; `${key}:fence` counts its terms and `${key}:note` holds the holder's note. */
  key: string;
  /** This replica, unique among the replicas (no "|"). */
  owner: string;
  /** A holder that stops renewing loses the lease after this long. */
  ttlMs: number;
}

// Each script runs atomically in Redis, so "free? then take it with the next token" is one step.
// Values are `${owner}|${fence}`.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local owner, fence = string.match(current, '^(.+)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, fence}
  end
  return {0, redis.call('GET', KEYS[3]) or ''}
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
redis.call('DEL', KEYS[3])
return {1, tostring(fence)}
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  return 1
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
`;

/**
 * A Lease in Redis: SET NX PX with a token from INCR, extended by its holder, released with a
 * compare-and-delete. One Redis, not Redlock: the token, checked by the store on every guarded
 * write, is what makes a stale holder harmless, so the lease itself only has to be usually right.
 */
export function redisLease(options: RedisLeaseOptions): Lease {
  const { redis, key, owner, ttlMs } = options;
  if (owner.includes("|")) throw new Error(`a lease owner has no "|": ${owner}`);
  const fenceKey = `${key}:fence`;
  const noteKey = `${key}:note`;
  // The value of our current term, for renew and release.
  let held: string | null = null;

  return {
    async acquire() {
      const reply = (await redis.eval(ACQUIRE, {
        keys: [key, fenceKey, noteKey],
        arguments: [owner, String(ttlMs)],
      })) as [number, string];
      if (reply[0] === 1) {
        held = `${owner}|${reply[1]}`;
        return { fence: BigInt(reply[1]) };
      }
      held = null;
      return { fence: null, holderNote: reply[1] === "" ? null : reply[1] };
    },
    async renew(note) {
      if (held === null) return false;
      const renewed = await redis.eval(RENEW, {
        keys: [key, noteKey],
        arguments: [held, String(ttlMs), note],
      });
      if (renewed !== 1) held = null;
      return renewed === 1;
    },
    async release() {
      if (held === null) return;
      const value = held;
      held = null;
      await redis.eval(RELEASE, { keys: [key, noteKey], arguments: [value] });
    },
  };
}
