import { randomBytes } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";

// PostgreSQL and Redis for the tests of gateway replicas and for the replicas bench: a schema and a
// key prefix of their own per test or run, so runs never see each other's rows, keys or channels.
// No vitest here (the bench runs on plain node): requireServices.ts registers the skipped tests.
// Every URL defaults to the tests'; the bench passes its own (BENCH_DATABASE_URL, BENCH_REDIS_URL).

/** The machine's PostgreSQL (trust auth, database `test`). */
export const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
export const TEST_REDIS_URL = "redis://127.0.0.1:6379";

/** Why Redis cannot be used here, or null when it answers. */
export async function redisMissing(redisUrl = TEST_REDIS_URL): Promise<string | null> {
  const redis = createClient({
    url: redisUrl,
    socket: { connectTimeout: 3_000, reconnectStrategy: false },
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis unreachable at ${redisUrl} (${(error as Error).message})`;
  } finally {
    redis.destroy();
  }
}

/** Why PostgreSQL cannot be used here, or null when it answers. */
export async function postgresMissing(databaseUrl?: string): Promise<string | null> {
  const url = databaseUrl ?? TEST_DATABASE_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    // The hint names the tests' variable: a caller with a URL of its own has its own way to set it.
    const hint = databaseUrl === undefined ? ": start it or set DATABASE_URL" : "";
    return `PostgreSQL unreachable at ${url} (${(error as Error).message})${hint}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement on a connection of its own (schema creation and removal). */
export async function runPostgresStatement(
  statement: string,
  databaseUrl = TEST_DATABASE_URL,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Why the replicas' services cannot be used here, or null when both answer. */
export async function clusterServicesMissing(
  databaseUrl?: string,
  redisUrl?: string,
): Promise<string | null> {
  return (await postgresMissing(databaseUrl)) ?? redisMissing(redisUrl);
}

/**
 * A fresh PostgreSQL schema, named `<label>_<random>` (the gateway creates its tables there), and how
 * to drop it.
 */
export async function freshDatabaseSchema(
  label = "cluster",
  databaseUrl = TEST_DATABASE_URL,
): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `${label}_${randomBytes(6).toString("hex")}`;
  // Through URL: the base may already carry a query string.
  const url = new URL(databaseUrl);
  url.searchParams.set("schema", schema);
  return {
    schema,
    url: url.toString(),
    drop: () => runPostgresStatement(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, databaseUrl),
  };
}

/** A Redis key prefix, `<label>-<random>`, that no other test or run uses, and how to delete its keys. */
export function freshRedisPrefix(
  label = "vg-test",
  redisUrl = TEST_REDIS_URL,
): { prefix: string; clear(): Promise<void> } {
  const prefix = `${label}-${randomBytes(6).toString("hex")}`;
  return {
    prefix,
    async clear() {
      const redis = createClient({ url: redisUrl });
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
