import type { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import type { CountingRpcProxy, RpcRequestRecord } from "../../test/support/countingRpcProxy.ts";

export interface BalanceRequestsResult {
  queries: number;
  /** The JSON-RPC method the chain's adapter reads balances with (eth_getBalance, getMultipleAccounts). */
  balanceRead: string;
  /** HTTP requests reaching the node per page, whatever they carried. */
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

/**
 * HTTP requests and JSON-RPC calls reaching a chain's node for one GraphQL page of 100 accounts with
 * their balance, counted by the proxy between the gateway and the node, one query at a time. A request
 * carrying `balanceRead` is one of the page's balance reads.
 */
export async function measureBalanceRequests(parameters: {
  client: GraphQLTestClient;
  subnetId: string;
  proxy: CountingRpcProxy;
  balanceRead: string;
  queries: number;
  /** What the funded accounts of the page hold, as the API prints it. */
  fundedAmount: string;
}): Promise<BalanceRequestsResult> {
  const { client, proxy, balanceRead, queries } = parameters;
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
  const page = during.filter((record) => record.methods.includes(balanceRead));
  const other = during.filter((record) => !record.methods.includes(balanceRead));
  const balanceCalls = page.reduce((sum, record) => sum + record.methods.length, 0);
  return {
    queries,
    balanceRead,
    requestsPerPage: during.length / queries,
    balanceRequestsPerPage: page.length / queries,
    callsPerBalanceRequest: balanceCalls / page.length,
    otherRequestsPerPage: other.length / queries,
    otherMethods: [...new Set(other.flatMap((record) => record.methods))],
    pageSize,
    fundedSeen,
  };
}
