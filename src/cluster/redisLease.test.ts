import { afterEach, describe, expect, test } from "vitest";
import { freshRedisPrefix, redisMissing, TEST_REDIS_URL } from "../../test/support/clusterServices.ts";
import { requireServices } from "../../test/support/requireServices.ts";
import { createLogger } from "../logger.ts";
import { openRedisConnection, type RedisConnection } from "./redisConnection.ts";
import { redisLease } from "./redisLease.ts";

// The tracker lease on a real Redis: one holder at a time, tokens that grow with every holder,
// expiry when the holder stops renewing, release for a clean hand-over.

const logger = createLogger("silent");

if (requireServices(await redisMissing(), "redisLease")) {
  describe("redisLease", () => {
    const opened: RedisConnection[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const connection of opened.splice(0)) connection.destroy();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function leases(ttlMs: number) {
      const { prefix, clear } = freshRedisPrefix();
      cleanups.push(clear);
      const redis = await openRedisConnection({ url: TEST_REDIS_URL, name: "lease-test", logger });
      opened.push(redis);
      const key = `${prefix}:tracker-lease:refchain:local`;
      return (owner: string) => redisLease({ redis, key, owner, ttlMs });
    }

    test("one holder at a time; the others see its note; a release lets the next in with a higher token", async () => {
      const lease = await leases(5_000);
      const a = lease("replica-a");
      const b = lease("replica-b");
      const first = await a.acquire();
      expect(first.fence).not.toBeNull();
      expect(await b.acquire()).toEqual({ fence: null, holderNote: null });
      expect(await a.renew("following")).toBe(true);
      expect(await b.acquire()).toEqual({ fence: null, holderNote: "following" });
      // Acquiring again while holding keeps the term and its token.
      expect(await a.acquire()).toEqual(first);

      await a.release();
      const second = await b.acquire();
      expect(second.fence).toBe((first.fence as bigint) + 1n);
      expect(await a.renew("following")).toBe(false);
    });

    test("a holder that stops renewing loses the lease once it expires; it cannot renew after that", async () => {
      const lease = await leases(300);
      const a = lease("replica-a");
      const b = lease("replica-b");
      const first = await a.acquire();
      expect((await b.acquire()).fence).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 450));
      const second = await b.acquire();
      expect(second.fence).toBe((first.fence as bigint) + 1n);
      expect(await a.renew("following")).toBe(false);
      // A late release by the old holder does not free the new holder's lease.
      await a.release();
      expect((await lease("replica-c").acquire()).fence).toBeNull();
    });

    test("an owner name with the separator is refused", async () => {
      const lease = await leases(1_000);
      expect(() => lease("bad|owner")).toThrow(/no "\|"/);
    });
  });
}
