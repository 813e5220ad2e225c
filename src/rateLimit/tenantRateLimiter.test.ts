import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { pino } from "pino";
import { createClient } from "redis";
import { afterEach, describe, expect, test } from "vitest";
import type { RateLimit } from "../config/config.ts";
import { RateLimitedError } from "../errors/gatewayError.ts";
import { createLogger, type Logger } from "../logger.ts";
import {
  createTenantRateLimiter,
  type RateLimitRedisClient,
  type TenantRateLimiter,
} from "./tenantRateLimiter.ts";

// Memory limits always run; the Redis ones use a real Redis from REDIS_URL (default the local one)
// and skip when it is not there, unless REQUIRE_SERVICES=1 makes that a failure. Each test has a key
// prefix of its own, so parallel runs never share a budget.

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisMissing = await probeRedis(REDIS_URL);
if (redisMissing) {
  if (process.env.REQUIRE_SERVICES === "1") {
    test("Redis is reachable (REQUIRE_SERVICES=1)", () => {
      throw new Error(redisMissing);
    });
  } else {
    console.log(`tenantRateLimiter.test.ts: Redis tests skipped: ${redisMissing}`);
  }
}

async function probeRedis(url: string): Promise<string | null> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `no Redis at ${url} (${(error as Error).message}): start redis-server or set REDIS_URL`;
  } finally {
    client.destroy();
  }
}

const silent = createLogger("silent");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const newPrefix = () => `vg-test-${randomBytes(6).toString("hex")}`;
const newTenantId = () => `ten_${randomBytes(8).toString("hex")}`;
const perMinute = (points: number): RateLimit => ({ points, windowSeconds: 60 });

function limiterOf(options: {
  limit: RateLimit | null;
  redis?: RateLimitRedisClient | null;
  keyPrefix?: string;
  logger?: Logger;
}): TenantRateLimiter {
  const limiter = createTenantRateLimiter({
    limit: options.limit,
    redis: options.redis ?? null,
    keyPrefix: options.keyPrefix ?? newPrefix(),
    logger: options.logger ?? silent,
  });
  cleanups.push(() => limiter.close());
  return limiter;
}

/** The RateLimitedError `consume` rejects with (fails the test when it resolves or rejects otherwise). */
async function refusal(limiter: TenantRateLimiter, tenantId: string): Promise<RateLimitedError> {
  const error = await limiter.consume(tenantId).then(
    () => new Error(`${tenantId} was let through; a RateLimitedError was expected`),
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

async function consumeTimes(limiter: TenantRateLimiter, tenantId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await limiter.consume(tenantId);
}

/** Polls until `condition` holds. Not a timing assertion: it waits for an outcome, and fails after 20 s. */
async function waitUntil(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A pino logger whose lines land in `lines`, to see what the limiter told the operator. */
function recordingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** The checks every limiter must pass, memory or Redis: a budget per tenant, and a useful refusal. */
async function expectBudgetPerTenant(limiter: TenantRateLimiter, points: number, windowSeconds: number) {
  const tenant = newTenantId();
  const other = newTenantId();
  await consumeTimes(limiter, tenant, points);
  const refused = await refusal(limiter, tenant);
  expect(refused.code).toBe("RATE_LIMITED");
  expect(Number.isInteger(refused.retryAfterSeconds)).toBe(true);
  expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(refused.retryAfterSeconds).toBeLessThanOrEqual(windowSeconds);
  expect(refused.details).toEqual({ retryAfterSeconds: refused.retryAfterSeconds });
  expect(refused.message).toBe(
    `Tenant ${tenant} made more than ${points} requests in 1 minute; retry in ${refused.retryAfterSeconds} s.`,
  );
  // Refused again while the window lasts, and another tenant has its whole budget meanwhile.
  await refusal(limiter, tenant);
  await consumeTimes(limiter, other, points);
  await refusal(limiter, other);
}

describe("tenantRateLimiter in memory (no Redis)", () => {
  test("each tenant has its budget per window; the next operation is refused with a retry hint", async () => {
    await expectBudgetPerTenant(limiterOf({ limit: perMinute(3) }), 3, 60);
  });

  test("a null limit never limits", async () => {
    const limiter = limiterOf({ limit: null });
    await consumeTimes(limiter, newTenantId(), 1_000);
  });

  test("the budget comes back once the window has passed", async () => {
    const limiter = limiterOf({ limit: { points: 2, windowSeconds: 1 } });
    const tenant = newTenantId();
    await consumeTimes(limiter, tenant, 2);
    const refused = await refusal(limiter, tenant);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(refused.message).toContain("more than 2 requests in 1 second; retry in 1 s.");
    await waitUntil("the tenant is served again", () =>
      limiter.consume(tenant).then(
        () => true,
        () => false,
      ),
    );
  });

  test("the refusal names the window as GATEWAY_RATE_LIMIT would", async () => {
    for (const [limit, window] of [
      [{ points: 1, windowSeconds: 30 }, "1 request in 30 seconds"],
      [{ points: 5, windowSeconds: 120 }, "5 requests in 2 minutes"],
      [{ points: 5, windowSeconds: 3600 }, "5 requests in 1 hour"],
    ] as const) {
      const limiter = limiterOf({ limit });
      const tenant = newTenantId();
      await consumeTimes(limiter, tenant, limit.points);
      expect((await refusal(limiter, tenant)).message).toContain(`made more than ${window}; retry in`);
    }
  });
});

describe.skipIf(redisMissing !== null)("tenantRateLimiter on Redis", () => {
  async function openRedis(url = REDIS_URL) {
    const client = createClient({ url });
    client.on("error", () => {});
    await client.connect();
    cleanups.push(() => {
      if (client.isOpen) client.destroy();
    });
    return client;
  }

  test("each tenant has its budget per window, counted in Redis under <prefix>:rate:<tenantId>", async () => {
    const redis = await openRedis();
    // Its keys expire with their window: nothing to clean up.
    const keyPrefix = newPrefix();
    await expectBudgetPerTenant(limiterOf({ limit: perMinute(3), redis, keyPrefix }), 3, 60);

    const tenant = newTenantId();
    await limiterOf({ limit: perMinute(3), redis, keyPrefix }).consume(tenant);
    expect(await redis.get(`${keyPrefix}:rate:${tenant}`)).toBe("1");
    const ttl = await redis.pTTL(`${keyPrefix}:rate:${tenant}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test("two replicas on one Redis share each tenant's budget", async () => {
    const keyPrefix = newPrefix();
    const replicaA = limiterOf({ limit: perMinute(4), redis: await openRedis(), keyPrefix });
    const replicaB = limiterOf({ limit: perMinute(4), redis: await openRedis(), keyPrefix });
    const tenant = newTenantId();
    await replicaA.consume(tenant);
    await replicaB.consume(tenant);
    await replicaA.consume(tenant);
    await replicaB.consume(tenant);
    // 4 in all: both refuse, whichever the fifth reaches.
    const refused = await refusal(replicaA, tenant);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    await refusal(replicaB, tenant);
    // Another key prefix (another gateway on the same Redis) has budgets of its own.
    await limiterOf({ limit: perMinute(4), redis: await openRedis(), keyPrefix: newPrefix() }).consume(
      tenant,
    );
  });

  test("Redis never reached (a closed port): limits fall back to memory instead of failing", async () => {
    const closedPort = await freePort();
    const redis = createClient({
      url: `redis://127.0.0.1:${closedPort}`,
      socket: { reconnectStrategy: false },
    });
    redis.on("error", () => {});
    await expect(redis.connect()).rejects.toThrow();
    const { logger, lines } = recordingLogger();
    const limiter = limiterOf({ limit: perMinute(3), redis, logger });
    const tenant = newTenantId();
    await consumeTimes(limiter, tenant, 3);
    expect((await refusal(limiter, tenant)).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await consumeTimes(limiter, newTenantId(), 3);
    // Told once, not per operation.
    expect(lines.filter((line) => line.msg.includes("Redis is not ready"))).toHaveLength(1);
  });

  test("Redis lost mid-run: memory limits at once (no operation waits for Redis); shared counts again once it is back", async () => {
    const target = new URL(REDIS_URL);
    // The connection to Redis runs through this proxy, so the test can cut it (as a Redis restart or
    // a network cut would) without touching the Redis other tests use.
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    cleanups.push(() => proxy.cut());
    const proxied = new URL(REDIS_URL);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const redis = await openRedis(proxied.toString());
    const { logger, lines } = recordingLogger();
    const limiter = limiterOf({ limit: perMinute(3), redis, logger });
    const tenant = newTenantId();
    await consumeTimes(limiter, tenant, 2); // counted in Redis: 2 of 3

    await proxy.cut();
    await waitUntil("node-redis notices the cut", () => !redis.isReady);
    // Memory has its own count for this replica: 3 more fit, the fourth is refused.
    await consumeTimes(limiter, tenant, 3);
    await refusal(limiter, tenant);
    expect(lines.filter((line) => line.msg.includes("Redis is not ready"))).toHaveLength(1);

    const restored = await startTcpProxy(target.hostname, Number(target.port || 6379), proxy.port);
    cleanups.push(() => restored.cut());
    await waitUntil("node-redis reconnects", () => redis.isReady);
    // Redis still holds 2 of 3 for this window: one more fits, the next is refused.
    await limiter.consume(tenant);
    await refusal(limiter, tenant);
    expect(lines.filter((line) => line.msg.includes("Redis is ready again"))).toHaveLength(1);
  });

  test("a Redis client closed under it: limits fall back to memory instead of failing", async () => {
    const redis = await openRedis();
    const limiter = limiterOf({ limit: perMinute(2), redis });
    const tenant = newTenantId();
    await limiter.consume(tenant);
    redis.destroy();
    await consumeTimes(limiter, tenant, 2);
    await refusal(limiter, tenant);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Forwards 127.0.0.1:`port` (0: a free one) to host:targetPort until `cut`, which drops every connection. */
async function startTcpProxy(
  host: string,
  targetPort: number,
  port = 0,
): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = tcpConnect(targetPort, host);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  let open = true;
  return {
    port: (server.address() as AddressInfo).port,
    async cut() {
      if (!open) return;
      open = false;
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
