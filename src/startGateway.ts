import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { openAdapters } from "../adapters/registry.ts";
import type { ChainAdapter } from "../adapters/types.ts";
import { ChainLeadership } from "./cluster/chainLeadership.ts";
import { soleReplicaLease } from "./cluster/lease.ts";
import { openRedisConnection } from "./cluster/redisConnection.ts";
import { redisLease } from "./cluster/redisLease.ts";
import { redisSendLocks } from "./cluster/redisSendLocks.ts";
import { soleReplicaSendLocks } from "./cluster/sendLocks.ts";
import type { GatewayConfig } from "./config/config.ts";
import type { EventBus } from "./events/eventBus.ts";
import { createMemoryEventBus } from "./events/memoryEventBus.ts";
import { PaymentTracker } from "./events/paymentTracker.ts";
import { publishCommittedEvents } from "./events/publishCommittedEvents.ts";
import { createRedisEventBus } from "./events/redisEventBus.ts";
import { buildGatewaySchema } from "./graphql/buildGatewaySchema.ts";
import type { Logger } from "./logger.ts";
import { countCommittedPayments } from "./metrics/countCommittedPayments.ts";
import { GatewayMetrics } from "./metrics/gatewayMetrics.ts";
import { meteredChainAdapter } from "./metrics/meteredChainAdapter.ts";
import { trackChainLag } from "./metrics/trackChainLag.ts";
import { AccountService } from "./modules/account/account.service.ts";
import { ApiKeyService } from "./modules/apiKey/apiKey.service.ts";
import { AuditService } from "./modules/audit/audit.service.ts";
import { ChainService } from "./modules/chain/chain.service.ts";
import { PaymentService } from "./modules/payment/payment.service.ts";
import { PaymentSender } from "./modules/payment/paymentSender.ts";
import { SubnetService } from "./modules/subnet/subnet.service.ts";
import { TenantService } from "./modules/tenant/tenant.service.ts";
import { createTenantRateLimiter } from "./rateLimit/tenantRateLimiter.ts";
import { createGatewayServer, GRAPHQL_PATH } from "./server/gatewayServer.ts";
import type { Services } from "./services.ts";
import { withImmutableRecordCache } from "./store/cachedStore.ts";
import { openPostgresStore } from "./store/postgres/openPostgresStore.ts";
import { openSqliteStore } from "./store/sqlite/openSqliteStore.ts";
import type { Store } from "./store/store.ts";
import { Vault } from "./vault/vault.ts";
import { withDeadline } from "./withDeadline.ts";

// A replica that dies stops renewing its chains' leases: another takes over after at most the TTL
// plus one check. Renewed and tried every second.
const TRACKER_LEASE_TTL_MS = 5_000;
const TRACKER_LEASE_CHECK_MS = 1_000;

// How long /readyz waits for the store before it calls it down.
const READINESS_STORE_DEADLINE_MS = 2_000;

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql */
  wsUrl: string;
  services: Services;
  /** This gateway's metrics (GET /metrics with GATEWAY_METRICS_TOKEN). */
  metrics: GatewayMetrics;
  /** Dev mode: the dev tenant's id (its key is config.devTenantApiKey). */
  devTenantId: string | null;
  /** Stops accepting, drains, stops trackers, closes chains and the store. */
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /**
   * false: no query limits and no metrics (operations, chain calls, payments, chain lag). Only the
   * bench sets it, for the baseline the cost of both is measured against; /metrics then stays empty.
   */
  limitsAndMetrics?: boolean;
}

/**
 * Starts the whole gateway from a configuration: store, vault, chains, services, trackers (after
 * recovering what a previous run left open), then the HTTP/WebSocket server. On any failure,
 * what was opened is closed again and the error says what to fix.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const limitsAndMetrics = options.limitsAndMetrics ?? true;
  mkdirSync(config.dataDir, { recursive: true });
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, "error while closing");
      }
    }
  };
  // Names this process among the replicas (leases, send locks) and in their logs.
  const replicaId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const metrics = new GatewayMetrics({ processMetrics: config.metricsToken !== null });

  try {
    // Tenants, subnets and accounts never change once created: served from memory after first use.
    const store: Store = withImmutableRecordCache(
      config.databaseUrl
        ? await openPostgresStore({
            connectionString: config.databaseUrl,
            ...(config.databaseSchema === null ? {} : { schema: config.databaseSchema }),
          })
        : await openSqliteStore({ path: join(config.dataDir, "gateway.db") }),
    );
    closers.push(() => store.close());
    const vault = await Vault.open(store, config.masterKey);
    const adapters: ChainAdapter[] = (await openAdapters({ dataDir: config.dataDir, env: config.env })).map(
      (adapter) => (limitsAndMetrics ? meteredChainAdapter(adapter, metrics) : adapter),
    );
    closers.push(() => Promise.all(adapters.map((adapter) => adapter.close())).then(() => undefined));

    // With Redis, this gateway is one of several replicas: events reach every replica, one replica
    // per chain runs the tracker, sends from one account are serialized across replicas.
    const redis = config.redisUrl
      ? await openRedisConnection({
          url: config.redisUrl,
          name: `${config.redisKeyPrefix}-${replicaId}`,
          logger,
        })
      : null;
    if (redis !== null) closers.push(() => redis.close());
    const bus: EventBus = config.redisUrl
      ? await createRedisEventBus({ url: config.redisUrl, logger, channelPrefix: config.redisKeyPrefix })
      : createMemoryEventBus({ logger });
    closers.push(() => bus.close());
    closers.push(publishCommittedEvents(store, bus));
    if (limitsAndMetrics) closers.push(countCommittedPayments(store, metrics));
    const chains = new ChainService(adapters);
    const leaderships = new Map(
      adapters.map((adapter) => {
        const chainId = adapter.description.id;
        const leadership = new ChainLeadership({
          chainId,
          lease:
            redis === null
              ? soleReplicaLease()
              : redisLease({
                  redis,
                  key: `${config.redisKeyPrefix}:tracker-lease:${chainId}`,
                  owner: replicaId,
                  ttlMs: TRACKER_LEASE_TTL_MS,
                }),
          createTracker: (fence) =>
            new PaymentTracker({
              store,
              bus,
              adapter,
              logger: logger.child({ chainId }),
              fence,
              othersMaySend: redis !== null,
            }),
          logger,
          ttlMs: TRACKER_LEASE_TTL_MS,
          checkEveryMs: TRACKER_LEASE_CHECK_MS,
          alone: redis === null,
        });
        return [chainId, leadership] as const;
      }),
    );
    chains.setHealth((chainId) => leaderships.get(chainId)?.ready() ?? false);
    if (limitsAndMetrics) trackChainLag(metrics, leaderships, chains);
    // Whichever replica applies a block, every replica learns the new head.
    closers.push(bus.onHead((head) => chains.noteHead(head.chainId, head)));
    if (redis !== null) {
      // Payments sent through other replicas reach this replica's tracker, when it leads, this way.
      closers.push(
        bus.onPaymentEvents((events) => {
          for (const event of events) {
            if (event.type === "SUBMITTED") leaderships.get(event.payment.chainId)?.track(event.payment);
          }
        }),
      );
    }
    const sendLocks =
      redis === null
        ? soleReplicaSendLocks
        : redisSendLocks({ redis, keyPrefix: config.redisKeyPrefix, replicaId, logger });
    const sender = new PaymentSender({
      store,
      chains,
      vault,
      bus,
      logger,
      onSubmitted: (payment) => leaderships.get(payment.chainId)?.track(payment),
      sendLocks,
    });
    closers.push(() => sender.close());
    const tenants = new TenantService(store);
    const subnets = new SubnetService(store, chains, vault, sendLocks);
    const accounts = new AccountService(store, chains, vault, subnets);
    const payments = new PaymentService(store, chains, accounts, sender);
    const services: Services = {
      store,
      bus,
      chains,
      tenants,
      subnets,
      accounts,
      payments,
      apiKeys: new ApiKeyService(store, bus),
      audit: new AuditService(store),
      logger,
      latestCursor: () => store.latestEventCursor(),
    };

    // Recovery: each tracker reconciles every open payment with its stored bytes (re-broadcast the
    // same bytes, confirm, or fail an expired one) before the gateway takes requests. With replicas,
    // only the chain's leader does, and the others take over when it goes.
    for (const leadership of leaderships.values()) {
      await leadership.start();
      closers.push(() => leadership.stop());
    }

    const devTenant = config.devTenantApiKey ? await tenants.ensureDevTenant(config.devTenantApiKey) : null;
    const { app, close: closeServer } = await createGatewayServer({
      schema: await buildGatewaySchema(),
      services,
      adminKey: config.adminKey,
      logger,
      metrics,
      metricsToken: config.metricsToken,
      limits: config.limits,
      limitsAndMetrics,
      production: config.production,
      // With Redis every replica draws on one budget per tenant; without it (or while it is away), each counts its own.
      rateLimiter: createTenantRateLimiter({
        limit: config.rateLimit,
        redis,
        keyPrefix: config.redisKeyPrefix,
        logger,
      }),
      explorer: config.explorer
        ? { authorization: config.devTenantApiKey ? `Bearer ${config.devTenantApiKey}` : null }
        : null,
      readiness: async () => {
        const checks: Record<string, string> = {};
        for (const [chainId, leadership] of leaderships)
          checks[chainId] = leadership.ready() ? "following" : "not following";
        try {
          // Bounded: a partitioned database must make /readyz fail, not hang until the OS gives up.
          await withDeadline(
            store.latestEventCursor(),
            READINESS_STORE_DEADLINE_MS,
            () => new Error("the store did not answer within 2 s"),
          );
          checks.store = "ok";
        } catch (error) {
          checks.store = error instanceof Error ? error.message : "unavailable";
        }
        return {
          ready: Object.values(checks).every((check) => check === "ok" || check === "following"),
          checks,
        };
      },
    });
    closers.push(closeServer);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
      services,
      metrics,
      devTenantId: devTenant?.id ?? null,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
