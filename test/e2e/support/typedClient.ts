import WebSocket from "ws";
import {
  AccountDocument,
  CreateAccountDocument,
  CreateSubnetDocument,
  CreateTenantDocument,
  createGatewayClient,
  FundAccountDocument,
  type GatewayClient,
  GatewayClientError,
} from "../../../src/client/index.ts";
import type { TestGateway } from "./testGateway.ts";

// The e2e tests' way onto the typed client (src/client): a tenant's client for a test gateway, and
// the small steps the tests share, written with the generated documents.

/** A typed client for `gateway` with `apiKey`. Close it when it has subscribed. */
export function typedClientFor(gateway: TestGateway, apiKey: string): GatewayClient {
  // Node 20 has no global WebSocket: subscriptions need the `ws` package's.
  return createGatewayClient({ url: gateway.gateway.url, apiKey, webSocketImpl: WebSocket });
}

let tenants = 0;

/** Creates a tenant with the admin key and returns its id and a typed client with its key. */
export async function newTypedTenant(gateway: TestGateway, name = `typed tenant ${++tenants}`) {
  const { createTenant } = await typedClientFor(gateway, gateway.adminKey).request(CreateTenantDocument, {
    input: { name },
  });
  return { client: typedClientFor(gateway, createTenant.apiKey), tenantId: createTenant.tenant.id };
}

export interface TenantWithAccountOptions {
  tenantName?: string;
  /** Default "main". */
  subnetName?: string;
  /** REF to fund the account with from the faucet; none when left out. */
  funds?: string;
}

/** A new tenant with a refchain REF subnet and one account labelled "main". */
export async function tenantWithAccount(gateway: TestGateway, options: TenantWithAccountOptions = {}) {
  const { client, tenantId } = await newTypedTenant(gateway, options.tenantName);
  const { createSubnet } = await client.request(CreateSubnetDocument, {
    input: { name: options.subnetName ?? "main", chainId: "refchain:local" },
  });
  const { createAccount } = await client.request(CreateAccountDocument, {
    input: { subnetId: createSubnet.subnet.id, label: "main" },
  });
  if (options.funds) {
    await client.request(FundAccountDocument, {
      input: { accountId: createAccount.account.id, amount: options.funds },
    });
  }
  return { client, tenantId, subnet: createSubnet.subnet, account: createAccount.account };
}

/** The account's balance in its subnet's asset; undefined when the client cannot see the account. */
export const balanceOf = async (client: GatewayClient, accountId: string) =>
  (await client.request(AccountDocument, { id: accountId })).account?.balance;

/** A request's outcome for tests that expect refusals: its data, or the codes of its GraphQL errors. */
export interface Answer<TResult> {
  data?: TResult;
  /** extensions.code of each GraphQL error, in order; empty when the request succeeded. */
  codes: (string | undefined)[];
}

/**
 * Settles a request into an Answer. A failure with no GraphQL answer (unreachable gateway, a
 * non-GraphQL reply) is rethrown: it must never read as "no error codes".
 */
export async function answerOf<TResult>(pending: Promise<TResult>): Promise<Answer<TResult>> {
  try {
    return { data: await pending, codes: [] };
  } catch (error) {
    if (error instanceof GatewayClientError && error.errors.length > 0) {
      return { codes: error.errors.map(({ extensions }) => codeIn(extensions)) };
    }
    throw error;
  }
}

const codeIn = (extensions: Record<string, unknown> | undefined) =>
  typeof extensions?.code === "string" ? extensions.code : undefined;
