import type { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import type { CountingRpcProxy, RpcRequestRecord } from "../../test/support/countingRpcProxy.ts";

export interface SolanaBalanceRequestsResult {
  queries: number;
  /** HTTP requests reaching the endpoint per page, whatever they carried. */
  requestsPerPage: number;
  /** Of those, the ones carrying the page's balance reads (the goal is 1). */
  balanceRequestsPerPage: number;
  /** JSON-RPC calls in each balance request. */
  callsPerBalanceRequest: number;
  /** The other requests (the block watch polls on its own), per page, and their methods. */
  otherRequestsPerPage: number;
  otherMethods: string[];
  /** Accounts on the page, and how many showed the funded amount. */
  pageSize: number;
  fundedSeen: number;
}

const BALANCE_READ = "getMultipleAccounts";

/**
 * HTTP requests and JSON-RPC calls reaching the Solana endpoint for one GraphQL page of 100 accounts
 * with their balance, counted by the proxy between the gateway and the endpoint, one query at a time.
 */
export async function measureSolanaBalanceRequests(parameters: {
  client: GraphQLTestClient;
  subnetId: string;
  proxy: CountingRpcProxy;
  queries: number;
  /** What the funded accounts of the page hold, as the API prints it. */
  fundedAmount: string;
}): Promise<SolanaBalanceRequestsResult> {
  const { client, proxy, queries } = parameters;
  const query = `{ subnet(id: "${parameters.subnetId}") { accounts(first: 100) { edges { node { balance } } } } }`;
  const during: RpcRequestRecord[] = [];
  let pageSize = 0;
  let fundedSeen = 0;
  for (let i = 0; i < queries; i++) {
    proxy.take();
    const { subnet } = await client.data<{
      subnet: { accounts: { edges: { node: { balance: string } }[] } };
    }>(query);
    during.push(...proxy.take());
    pageSize = subnet.accounts.edges.length;
    fundedSeen = subnet.accounts.edges.filter((edge) => edge.node.balance === parameters.fundedAmount).length;
  }
  const page = during.filter((record) => record.methods.includes(BALANCE_READ));
  const other = during.filter((record) => !record.methods.includes(BALANCE_READ));
  const balanceCalls = page.reduce((sum, record) => sum + record.methods.length, 0);
  return {
    queries,
    requestsPerPage: during.length / queries,
    balanceRequestsPerPage: page.length / queries,
    callsPerBalanceRequest: balanceCalls / page.length,
    otherRequestsPerPage: other.length / queries,
    otherMethods: [...new Set(other.flatMap((record) => record.methods))],
    pageSize,
    fundedSeen,
  };
}
