import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/config.ts";
import { createLogger } from "../../../src/logger.ts";
import { type RunningGateway, startGateway } from "../../../src/startGateway.ts";
import { GraphQLTestClient } from "./graphqlTestClient.ts";

export interface TestGateway {
  gateway: RunningGateway;
  dataDir: string;
  adminKey: string;
  /** A client with the admin key. */
  admin: GraphQLTestClient;
  /** A client with no key. */
  anonymous: GraphQLTestClient;
  /** Creates a tenant through the API and returns a client with its key. */
  newTenant(name?: string): Promise<GraphQLTestClient & { tenantId: string; apiKey: string }>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * A real gateway for a test: HTTP and WebSocket on port 0, a temporary DATA_DIR (SQLite store,
 * in-process refchain with fast blocks), real keys. Not a mock of anything.
 */
export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "gateway-test-"));
  const config = loadConfig({ PORT: "0", DATA_DIR: dataDir, REFCHAIN_BLOCK_TIME_MS: "20", ...env });
  const gateway = await startGateway(config, createLogger(process.env.LOG_LEVEL ?? "silent"));
  const client = (key?: string) => new GraphQLTestClient(gateway.url, gateway.wsUrl, key);
  let tenants = 0;
  return {
    gateway,
    dataDir,
    adminKey: config.adminKey,
    admin: client(config.adminKey),
    anonymous: client(),
    async newTenant(name = `tenant ${++tenants}`) {
      const { createTenant } = await client(config.adminKey).data<{
        createTenant: { tenant: { id: string }; apiKey: string };
      }>("mutation ($name: String!) { createTenant(input: { name: $name }) { tenant { id } apiKey } }", {
        name,
      });
      return Object.assign(client(createTenant.apiKey), {
        tenantId: createTenant.tenant.id,
        apiKey: createTenant.apiKey,
      });
    },
    async close({ keepData = false } = {}) {
      await gateway.close();
      if (!keepData && env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
