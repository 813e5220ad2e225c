import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabaseSchema, freshRedisPrefix } from "../../test/support/clusterServices.ts";
import { type ChildServer, startChildServer } from "../gateway/childServer.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { type Deployment, GATEWAY_VARIABLES_UNSET } from "./deployment.ts";
import { otherProcessCpu } from "./otherProcessCpu.ts";
import { type RefchainNodeProcess, startRefchainNodeProcess } from "./refchainNodeProcess.ts";

export const REFCHAIN_NODE = "refchain node";

/**
 * Gateway replicas as an operator runs them past one machine: a standalone refchain node in its own
 * process, and `replicas` gateway processes sharing a fresh PostgreSQL schema (in `databaseUrl`), a
 * fresh Redis key prefix (in `redisUrl`), that node, and the same admin and master keys (a key sealed
 * by one replica opens on the other). close() kills them and drops the schema and the keys.
 */
export async function startReplicaCluster(parameters: {
  replicas: number;
  blockTimeMs: number;
  logLevel: string;
  databaseUrl: string;
  redisUrl: string;
}): Promise<Deployment> {
  const root = mkdtempSync(join(tmpdir(), "replicas-bench-cluster-"));
  const database = await freshDatabaseSchema("bench", parameters.databaseUrl);
  const redis = freshRedisPrefix("vg-bench", parameters.redisUrl);
  const gateways: ChildServer<GatewayInfo>[] = [];
  let node: RefchainNodeProcess | null = null;
  const close = async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await node?.stop();
    // Each cleanup even when another failed: a run leaves nothing behind.
    const cleanups = await Promise.allSettled([database.drop(), redis.clear()]);
    rmSync(root, { recursive: true, force: true });
    for (const cleanup of cleanups) if (cleanup.status === "rejected") throw cleanup.reason;
  };
  try {
    node = await startRefchainNodeProcess({
      dataDir: join(root, "refchain"),
      blockTimeMs: parameters.blockTimeMs,
    });
    const env: Record<string, string> = {
      ...GATEWAY_VARIABLES_UNSET,
      PORT: "0",
      // Shared only for dev-keys.json (the dev tenant's key): the store is in PostgreSQL, the chain
      // in the standalone node.
      DATA_DIR: join(root, "gateway"),
      DATABASE_URL: database.url,
      REDIS_URL: parameters.redisUrl,
      REDIS_KEY_PREFIX: redis.prefix,
      REFCHAIN_URL: node.url,
      GATEWAY_ADMIN_KEY: randomBytes(32).toString("base64url"),
      GATEWAY_MASTER_KEY: randomBytes(32).toString("hex"),
      GATEWAY_RATE_LIMIT: "off",
      GATEWAY_EXPLORER: "off",
      LOG_LEVEL: parameters.logLevel,
    };
    // One after the other: the first creates the schema and the dev tenant, the others find them.
    for (let i = 0; i < parameters.replicas; i++) {
      gateways.push(
        await startChildServer<GatewayInfo>({
          entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
          env,
        }),
      );
    }
    return {
      name: `${parameters.replicas} replicas PG+Redis`,
      gateways,
      otherCpu: otherProcessCpu({ [REFCHAIN_NODE]: node.pid }),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
