import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startGateway } from "../../src/startGateway.ts";
import { seedGateway } from "./seedGateway.ts";

export interface BalanceCallsResult {
  queries: number;
  /** adapter.getBalances calls per query (the goal is 1: one batched read per chain per request). */
  callsPerQuery: number;
  /** Balances asked per call. */
  balancesPerCall: number;
  /** Accounts on each page, and how many of them showed the funded amount. */
  pageSize: number;
  fundedSeen: number;
}

const FUNDED = 5;

/**
 * (4) adapter calls per page of 100 accounts with balances: the gateway in this process, its refchain
 * adapter's getBalances wrapped to count calls, the query sent over real HTTP.
 */
export async function measureBalanceCalls(queries: number): Promise<BalanceCallsResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-bench-calls-"));
  const config = loadConfig({ PORT: "0", DATA_DIR: dataDir, REFCHAIN_BLOCK_TIME_MS: "20" });
  const gateway = await startGateway(config, createLogger("silent"));
  try {
    const [tenant] = await seedGateway(
      { url: gateway.url, wsUrl: gateway.wsUrl, adminKey: config.adminKey },
      { tenants: 1, sendersPerTenant: FUNDED, receiversPerTenant: 100 - FUNDED, fundEach: "7" },
    );
    if (!tenant) throw new Error("no tenant seeded");
    const adapter = gateway.services.chains.find("refchain:local");
    if (!adapter) throw new Error("the gateway runs no refchain:local");
    let calls = 0;
    let balances = 0;
    const getBalances = adapter.getBalances.bind(adapter);
    adapter.getBalances = (asked) => {
      calls++;
      balances += asked.length;
      return getBalances(asked);
    };

    const query = `{ subnet(id: "${tenant.subnetId}") { accounts(first: 100) { edges { node { balance } } } } }`;
    let pageSize = 0;
    let fundedSeen = 0;
    for (let i = 0; i < queries; i++) {
      const { subnet } = await tenant.client.data<{
        subnet: { accounts: { edges: { node: { balance: string } }[] } };
      }>(query);
      pageSize = subnet.accounts.edges.length;
      fundedSeen = subnet.accounts.edges.filter((edge) => edge.node.balance === "7").length;
    }
    return {
      queries,
      callsPerQuery: calls / queries,
      balancesPerCall: balances / calls,
      pageSize,
      fundedSeen,
    };
  } finally {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
