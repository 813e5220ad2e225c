import { afterEach, describe, expect, test } from "vitest";
import { freshRedisPrefix, redisMissing, TEST_REDIS_URL } from "../../test/support/clusterServices.ts";
import { requireServices } from "../../test/support/requireServices.ts";
import { createLogger } from "../logger.ts";
import { openRedisConnection, type RedisConnection } from "./redisConnection.ts";
import { redisSendLocks } from "./redisSendLocks.ts";
import { sendLockKey } from "./sendLocks.ts";

// Send locks of two replicas on a real Redis: never two holders of one address, and "handed over"
// exactly when the other replica held it last.

const logger = createLogger("silent");

if (requireServices(await redisMissing(), "redisSendLocks")) {
  describe("redisSendLocks", () => {
    const opened: RedisConnection[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const connection of opened.splice(0)) connection.destroy();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function twoReplicas(options: { ttlMs?: number; waitMs?: number } = {}) {
      const { prefix, clear } = freshRedisPrefix();
      cleanups.push(clear);
      const make = async (replicaId: string) => {
        const redis = await openRedisConnection({ url: TEST_REDIS_URL, name: replicaId, logger });
        opened.push(redis);
        return redisSendLocks({ redis, keyPrefix: prefix, replicaId, logger, ...options });
      };
      return [await make("replica-a"), await make("replica-b")] as const;
    }

    test("two replicas never hold one address's lock at once; other addresses are not held up", async () => {
      const [a, b] = await twoReplicas();
      const signer = sendLockKey("refchain:local", "ref1address");
      let holders = 0;
      let most = 0;
      const order: string[] = [];
      const critical = (name: string) => async () => {
        holders++;
        most = Math.max(most, holders);
        order.push(name);
        await new Promise((resolve) => setTimeout(resolve, 5));
        holders--;
        return name;
      };
      const runs = Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? a : b).run(signer, critical(`${index % 2 === 0 ? "a" : "b"}${index}`)),
      );
      // Meanwhile another address is free to go.
      const other = await a.run(sendLockKey("refchain:local", "ref1other"), async () => "other");
      expect(other).toBe("other");
      expect((await Promise.all(runs)).length).toBe(40);
      expect(most).toBe(1);
      expect(order).toHaveLength(40);
    });

    test("handedOver: true the first time and after the other replica held it, false while the same replica keeps it", async () => {
      const [a, b] = await twoReplicas();
      const signer = sendLockKey("eip155:31337", "0xabc");
      const handedOver = async (locks: typeof a) => locks.run(signer, async (over) => over);
      expect(await handedOver(a)).toBe(true);
      expect(await handedOver(a)).toBe(false);
      expect(await handedOver(b)).toBe(true);
      expect(await handedOver(b)).toBe(false);
      expect(await handedOver(a)).toBe(true);
    });

    test("the lock is freed when the send throws, and the error reaches the caller", async () => {
      const [a, b] = await twoReplicas();
      const signer = sendLockKey("refchain:local", "ref1x");
      await expect(
        a.run(signer, async () => {
          throw new Error("chain refused");
        }),
      ).rejects.toThrow("chain refused");
      expect(await b.run(signer, async () => "free")).toBe("free");
    });

    test("a waiter gives up with a clear error when the lock is held past waitMs", async () => {
      const [a, b] = await twoReplicas({ ttlMs: 400, waitMs: 150 });
      const signer = sendLockKey("refchain:local", "ref1y");
      let release: () => void = () => {};
      const holding = a.run(signer, () => new Promise<void>((resolve) => (release = resolve)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(b.run(signer, async () => "never")).rejects.toThrow(/another replica to finish sending/);
      release();
      await holding;
    });

    test("the lock of a replica that died holding it expires, and the next sender reads everything again", async () => {
      const { prefix, clear } = freshRedisPrefix();
      cleanups.push(clear);
      const redis = await openRedisConnection({ url: TEST_REDIS_URL, name: "survivor", logger });
      opened.push(redis);
      const signer = sendLockKey("refchain:local", "ref1z");
      // What a replica killed inside its batch leaves: the lock, no one to extend or free it.
      await redis.set(`${prefix}:send-lock:${signer}`, "replica-dead:token", { PX: 300 });
      await redis.set(`${prefix}:send-last:${signer}`, "replica-dead");
      const survivor = redisSendLocks({
        redis,
        keyPrefix: prefix,
        replicaId: "replica-b",
        logger,
        waitMs: 5_000,
      });
      expect(await survivor.run(signer, async (handedOver) => handedOver)).toBe(true);
    });
  });
}
