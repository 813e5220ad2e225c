import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openAdapters } from "../adapters/registry.ts";
import type { ChainAdapter } from "../adapters/types.ts";
import type { GatewayConfig } from "./config/config.ts";
import { ConfigError } from "./config/configError.ts";
import { createMemoryEventBus } from "./events/memoryEventBus.ts";
import { PaymentTracker } from "./events/paymentTracker.ts";
import { publishCommittedEvents } from "./events/publishCommittedEvents.ts";
import { buildGatewaySchema } from "./graphql/buildGatewaySchema.ts";
import type { Logger } from "./logger.ts";
import { AccountService } from "./modules/account/account.service.ts";
import { ChainService } from "./modules/chain/chain.service.ts";
import { PaymentService } from "./modules/payment/payment.service.ts";
import { PaymentSender } from "./modules/payment/paymentSender.ts";
import { SubnetService } from "./modules/subnet/subnet.service.ts";
import { TenantService } from "./modules/tenant/tenant.service.ts";
import { createGatewayServer, GRAPHQL_PATH } from "./server/gatewayServer.ts";
import type { Services } from "./services.ts";
import { withImmutableRecordCache } from "./store/cachedStore.ts";
import { openSqliteStore } from "./store/sqlite/openSqliteStore.ts";
import type { Store } from "./store/store.ts";
import { Vault } from "./vault/vault.ts";

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql */
  wsUrl: string;
  services: Services;
  /** Dev mode: the dev tenant's id (its key is config.devTenantApiKey). */
  devTenantId: string | null;
  /** Stops accepting, drains, stops trackers, closes chains and the store. */
  close(): Promise<void>;
}

/**
 * Starts the whole gateway from a configuration: store, vault, chains, services, trackers (after
 * recovering what a previous run left open), then the HTTP/WebSocket server. On any failure,
 * what was opened is closed again and the error says what to fix.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  if (config.databaseUrl) {
    throw new ConfigError(
      "DATABASE_URL: the PostgreSQL store is not in this version yet. Unset it to keep the store in DATA_DIR (SQLite).",
      ["DATABASE_URL"],
    );
  }
  if (config.redisUrl) {
    throw new ConfigError(
      "REDIS_URL: the Redis event bus is not in this version yet. Unset it to use the in-memory bus (one replica).",
      ["REDIS_URL"],
    );
  }
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

  try {
    // Tenants, subnets and accounts never change once created: served from memory after first use.
    const store: Store = withImmutableRecordCache(
      await openSqliteStore({ path: join(config.dataDir, "gateway.db") }),
    );
    closers.push(() => store.close());
    const vault = await Vault.open(store, config.masterKey);
    const adapters: ChainAdapter[] = await openAdapters({ dataDir: config.dataDir, env: config.env });
    closers.push(() => Promise.all(adapters.map((adapter) => adapter.close())).then(() => undefined));
    const bus = createMemoryEventBus({ logger });
    closers.push(() => bus.close());
    closers.push(publishCommittedEvents(store, bus));

    const chains = new ChainService(adapters);
    const trackers = new Map(
      adapters.map((adapter) => [
        adapter.description.id,
        new PaymentTracker({
          store,
          bus,
          adapter,
          logger: logger.child({ chainId: adapter.description.id }),
        }),
      ]),
    );
    chains.setHealth((chainId) => trackers.get(chainId)?.ready() ?? false);
    const sender = new PaymentSender({
      store,
      chains,
      vault,
      bus,
      logger,
      onSubmitted: (payment) => trackers.get(payment.chainId)?.track(payment),
    });
    closers.push(() => sender.close());
    const tenants = new TenantService(store);
    const subnets = new SubnetService(store, chains, vault);
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
      logger,
      latestCursor: () => store.latestEventCursor(),
    };

    // Recovery: each tracker reconciles every open payment with its stored bytes (re-broadcast the
    // same bytes, confirm, or fail an expired one) before the gateway takes requests.
    for (const tracker of trackers.values()) {
      await tracker.start();
      closers.push(() => tracker.stop());
    }

    const devTenant = config.devTenantApiKey ? await tenants.ensureDevTenant(config.devTenantApiKey) : null;
    const { app, close: closeServer } = await createGatewayServer({
      schema: await buildGatewaySchema(),
      services,
      adminKey: config.adminKey,
      logger,
      explorer: config.explorer
        ? { authorization: config.devTenantApiKey ? `Bearer ${config.devTenantApiKey}` : null }
        : null,
      readiness: async () => {
        const checks: Record<string, string> = {};
        for (const [chainId, tracker] of trackers)
          checks[chainId] = tracker.ready() ? "following" : "not following";
        try {
          await store.latestEventCursor();
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
      devTenantId: devTenant?.id ?? null,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
