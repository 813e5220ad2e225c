import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { RefchainNode } from "../../../adapters/refchain/chain/node.ts";
import { startRefchainServer } from "../../../adapters/refchain/rpc/server.ts";
import { type GatewayProcess, startGatewayProcess } from "../../e2e/support/gatewayProcess.ts";
import { GraphQLTestClient } from "../../e2e/support/graphqlTestClient.ts";
import { freshDatabaseSchema, freshRedisPrefix, TEST_REDIS_URL } from "../../support/clusterServices.ts";

export interface Replica {
  readonly name: string;
  readonly process: GatewayProcess;
  /** A client with the admin key. */
  readonly admin: GraphQLTestClient;
  /** A client of this replica with `apiKey`. */
  client(apiKey: string): GraphQLTestClient;
}

export interface ClusterOptions {
  /** Redis for the replicas. Default the machine's (127.0.0.1:6379). */
  redisUrl?: string;
  /** The standalone refchain's block time. Default 50 ms. */
  blockTimeMs?: number;
  /** More environment for every replica. */
  env?: Record<string, string>;
}

export interface Cluster {
  /** The standalone refchain node every replica shares. */
  refchainUrl: string;
  redisPrefix: string;
  adminKey: string;
  /** Starts a replica as its own `value-gateway start` process (killable with SIGKILL). */
  startReplica(name: string): Promise<Replica>;
  /** Who runs the tracker of `chainId` now: the pid in its lease, or null when nobody holds it. */
  trackerLeaderPid(chainId?: string): Promise<number | null>;
  /** Kills every replica, stops the refchain node, drops the schema and the Redis keys. */
  close(): Promise<void>;
}

/**
 * Gateway replicas as an operator runs them: separate processes sharing one PostgreSQL schema, one
 * Redis key prefix, one standalone refchain node, and the same admin and master keys (a managed key
 * sealed by one replica is opened by another).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const root = mkdtempSync(join(tmpdir(), "vg-cluster-"));
  const node = RefchainNode.open({ dataDir: join(root, "refchain"), blockTimeMs: options.blockTimeMs ?? 50 });
  const server = await startRefchainServer({ node, port: 0 });
  const database = await freshDatabaseSchema();
  const redis = freshRedisPrefix();
  const adminKey = randomBytes(32).toString("base64url");
  const masterKey = randomBytes(32).toString("hex");
  const replicas: Replica[] = [];
  // The replicas share a DATA_DIR only for dev-keys.json (the dev tenant's key): the store is in
  // PostgreSQL and the chain in the standalone node.
  const dataDir = join(root, "gateway");
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redis.prefix,
    REFCHAIN_URL: server.url,
    GATEWAY_ADMIN_KEY: adminKey,
    GATEWAY_MASTER_KEY: masterKey,
    GATEWAY_EXPLORER: "off",
    ...options.env,
  };

  return {
    refchainUrl: server.url,
    redisPrefix: redis.prefix,
    adminKey,
    async startReplica(name) {
      const process = await startGatewayProcess({ dataDir, env });
      const replica: Replica = {
        name,
        process,
        admin: new GraphQLTestClient(process.url, process.wsUrl, adminKey),
        client: (apiKey) => new GraphQLTestClient(process.url, process.wsUrl, apiKey),
      };
      replicas.push(replica);
      return replica;
    },
    async trackerLeaderPid(chainId = "refchain:local") {
      const client = createClient({ url: redisUrl });
      client.on("error", () => {});
      await client.connect();
      try {
        const value = await client.get(`${redis.prefix}:tracker-lease:${chainId}`);
        // `${hostname}-${pid}-${random}|${fence}`
        const pid = value?.match(/-(\d+)-[0-9a-f]{8}\|\d+$/)?.[1];
        return pid === undefined ? null : Number(pid);
      } finally {
        client.destroy();
      }
    },
    async close() {
      // CLUSTER_LOGS=1 prints what each replica printed (LOG_LEVEL=warn unless env says otherwise).
      if (process.env.CLUSTER_LOGS === "1")
        for (const replica of replicas)
          console.log(`--- replica ${replica.name}\n${replica.process.output()}`);
      await Promise.all(replicas.map((replica) => replica.process.kill("SIGKILL")));
      await server.close();
      await node.close();
      await database.drop().catch(() => {});
      await redis.clear().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Creates a tenant through `replica` and returns its id and API key. */
export async function createTenant(
  replica: Replica,
  name: string,
): Promise<{ tenantId: string; apiKey: string }> {
  const { createTenant } = await replica.admin.data<{
    createTenant: { tenant: { id: string }; apiKey: string };
  }>("mutation ($name: String!) { createTenant(input: { name: $name }) { tenant { id } apiKey } }", { name });
  return { tenantId: createTenant.tenant.id, apiKey: createTenant.apiKey };
}
