import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "../gateway/childServer.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { type Deployment, GATEWAY_VARIABLES_UNSET } from "./deployment.ts";
import { otherProcessCpu } from "./otherProcessCpu.ts";

/**
 * The one-machine gateway with its embedded defaults: one process, SQLite in a temp DATA_DIR, the
 * refchain node in-process, events in memory.
 */
export async function startSqliteGateway(parameters: {
  blockTimeMs: number;
  logLevel: string;
}): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), "replicas-bench-sqlite-"));
  try {
    const gateway = await startChildServer<GatewayInfo>({
      entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
      env: {
        ...GATEWAY_VARIABLES_UNSET,
        PORT: "0",
        DATA_DIR: dataDir,
        REFCHAIN_BLOCK_TIME_MS: String(parameters.blockTimeMs),
        GATEWAY_RATE_LIMIT: "off",
        GATEWAY_EXPLORER: "off",
        LOG_LEVEL: parameters.logLevel,
      },
    });
    return {
      name: "1 replica SQLite",
      gateways: [gateway],
      otherCpu: otherProcessCpu({}),
      async close() {
        await gateway.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
