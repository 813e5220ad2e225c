// PostgreSQL and Redis for the replicas bench: a schema and a key prefix of its own per run, so a run
// never sees another's rows, keys or channels, and leaves nothing behind. (The same few lines as
// test/support/clusterServices.ts: the bench does not import from test/.)
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";

/** The machine's PostgreSQL (trust auth, database `test`) unless BENCH_DATABASE_URL says otherwise. */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** The machine's Redis unless BENCH_REDIS_URL says otherwise. */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Why the replicas cannot run here, or null when PostgreSQL and Redis both answer. */
export async function replicaServicesMissing(): Promise<string | null> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    return `PostgreSQL unreachable at ${BENCH_DATABASE_URL} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  const redis = createClient({
    url: BENCH_REDIS_URL,
    socket: { connectTimeout: 3_000, reconnectStrategy: false },
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis unreachable at ${BENCH_REDIS_URL} (${(error as Error).message})`;
  } finally {
    redis.destroy();
  }
  return null;
}

/** A fresh PostgreSQL schema (the gateway creates it and its tables) and how to drop it. */
export function freshDatabaseSchema(): { url: string; drop(): Promise<void> } {
  const schema = `bench_${randomBytes(6).toString("hex")}`;
  const url = new URL(BENCH_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A Redis key prefix no other run uses, and how to delete its keys. */
export function freshRedisPrefix(): { prefix: string; clear(): Promise<void> } {
  const prefix = `vg-bench-${randomBytes(6).toString("hex")}`;
  return {
    prefix,
    async clear() {
      const redis = createClient({ url: BENCH_REDIS_URL });
      redis.on("error", () => {});
      await redis.connect();
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
          keys.push(...batch);
        if (keys.length > 0) await redis.del(keys);
      } finally {
        redis.destroy();
      }
    },
  };
}
