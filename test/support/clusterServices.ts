import { randomBytes } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";
import { test } from "vitest";

// PostgreSQL and Redis for the tests of gateway replicas: a schema and a key prefix of their own per
// test, so runs never see each other's rows, keys or channels.

export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = "redis://127.0.0.1:6379";

/** Why Redis cannot be used here, or null when it answers. */
export async function redisMissing(): Promise<string | null> {
  const redis = createClient({
    url: TEST_REDIS_URL,
    socket: { connectTimeout: 3_000, reconnectStrategy: false },
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis unreachable at ${TEST_REDIS_URL} (${(error as Error).message})`;
  } finally {
    redis.destroy();
  }
}

/** Why PostgreSQL cannot be used here, or null when it answers. */
export async function postgresMissing(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `PostgreSQL unreachable at ${TEST_DATABASE_URL} (${(error as Error).message}): start it or set DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement on a connection of its own (schema creation and removal). */
export async function runPostgresStatement(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Why the replicas' services cannot be used here, or null when both answer. */
export async function clusterServicesMissing(): Promise<string | null> {
  return (await postgresMissing()) ?? redisMissing();
}

/**
 * Registers a test that says why a suite cannot run: failing under REQUIRE_SERVICES=1 (CI), skipped
 * with the reason printed otherwise. Returns true when the suite can run.
 */
export function requireServices(missing: string | null, suite: string): boolean {
  if (missing === null) return true;
  if (process.env.REQUIRE_SERVICES === "1") {
    test(`${suite}: the services it needs are reachable (REQUIRE_SERVICES=1)`, () => {
      throw new Error(missing);
    });
  } else {
    console.log(`${suite} skipped: ${missing}`);
    test.skip(`${suite} (${missing})`, () => {});
  }
  return false;
}

/** A fresh PostgreSQL schema (the gateway creates its tables there) and how to drop it. */
export async function freshDatabaseSchema(): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `cluster_${randomBytes(6).toString("hex")}`;
  return {
    schema,
    url: `${TEST_DATABASE_URL}?schema=${schema}`,
    drop: () => runPostgresStatement(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

/** A Redis key prefix no other test uses, and how to delete its keys. */
export function freshRedisPrefix(): { prefix: string; clear(): Promise<void> } {
  const prefix = `vg-test-${randomBytes(6).toString("hex")}`;
  return {
    prefix,
    async clear() {
      const redis = createClient({ url: TEST_REDIS_URL });
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

/** The same, for suites that need PostgreSQL and Redis. */
export const requireClusterServices = requireServices;
