import type { GraphQLTestClient } from "./graphqlTestClient.ts";
import type { TestGateway } from "./testGateway.ts";

// GraphQL operations and small steps the e2e tests share: a tenant with a subnet and accounts.

export const CREATE_SUBNET = `mutation ($input: CreateSubnetInput!) {
  createSubnet(input: $input) { subnet { id chain { id } asset { id symbol decimals } } }
}`;
export const CREATE_ACCOUNT = `mutation ($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id address custody label } }
}`;
export const FUND = `mutation ($accountId: ID!, $amount: Amount!) {
  fundAccount(input: { accountId: $accountId, amount: $amount }) { txHash amount }
}`;
export const SEND = `mutation ($input: SendPaymentInput!) {
  sendPayment(input: $input) { replayed payment { id status amount memo txHash idempotencyKey direction error { code message } } }
}`;
export const BALANCE = "query ($id: ID!) { account(id: $id) { balance } }";

export type Tenant = GraphQLTestClient & { tenantId: string; apiKey: string };
export interface Account {
  id: string;
  address: string;
  custody: string;
}
export interface SendResult {
  replayed: boolean;
  payment: {
    id: string;
    status: string;
    amount: string;
    memo: string | null;
    txHash: string | null;
    idempotencyKey: string;
    direction: string;
    error: { code: string; message: string } | null;
  };
}

export async function createSubnet(tenant: GraphQLTestClient, input: Record<string, unknown> = {}) {
  const { createSubnet } = await tenant.data<{
    createSubnet: { subnet: { id: string; asset: { id: string; symbol: string; decimals: number } } };
  }>(CREATE_SUBNET, { input: { name: "main", chainId: "refchain:local", ...input } });
  return createSubnet.subnet;
}

export async function createAccount(
  tenant: GraphQLTestClient,
  subnetId: string,
  extra: Record<string, unknown> = {},
) {
  const { createAccount } = await tenant.data<{ createAccount: { account: Account } }>(CREATE_ACCOUNT, {
    input: { subnetId, ...extra },
  });
  return createAccount.account;
}

/** A new tenant with a REF subnet and one MANAGED account, funded with `funds` REF when given. */
export async function tenantWithAccount(gateway: TestGateway, funds?: string) {
  const tenant = await gateway.newTenant();
  const subnet = await createSubnet(tenant);
  const account = await createAccount(tenant, subnet.id, { label: "main" });
  if (funds) await tenant.data(FUND, { accountId: account.id, amount: funds });
  return { tenant, subnet, account };
}

export const balanceOf = async (client: GraphQLTestClient, id: string) =>
  (await client.data<{ account: { balance: string } }>(BALANCE, { id })).account.balance;

export const send = (client: GraphQLTestClient, input: Record<string, unknown>) =>
  client.request<{ sendPayment: SendResult }>(SEND, { input });

/** Base units of a decimal amount ("1.25", 9 decimals → 1250000000n); "0" is 0n. */
export function baseUnits(amount: string, decimals: number): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  if (fraction.length > decimals) throw new Error(`${amount} has more than ${decimals} decimals`);
  return BigInt(whole + fraction.padEnd(decimals, "0"));
}

const BALANCES = "query ($id: ID!) { account(id: $id) { balances { amount asset { symbol } } } }";

/** An account's balances by asset symbol, in base units; `decimals` has every asset's, by symbol. */
export async function balancesOf(
  client: GraphQLTestClient,
  id: string,
  decimals: Readonly<Record<string, number>>,
): Promise<Map<string, bigint>> {
  const { account } = await client.data<{
    account: { balances: { amount: string; asset: { symbol: string } }[] };
  }>(BALANCES, { id });
  const bySymbol = new Map<string, bigint>();
  for (const { amount, asset } of account.balances) {
    const places = decimals[asset.symbol];
    if (places === undefined)
      throw new Error(`account ${id} holds ${asset.symbol}, whose decimals are not given`);
    bySymbol.set(asset.symbol, baseUnits(amount, places));
  }
  return bySymbol;
}

export interface SubnetAsset {
  kind: string;
  symbol: string;
  decimals: number;
  address: string | null;
}

/** Reads the assets of the tenant's subnets (its first 10); tells one by its subnet's id. */
export async function subnetAssetsOf(
  tenant: GraphQLTestClient,
): Promise<(subnetId: string) => SubnetAsset | undefined> {
  const { viewer } = await tenant.data<{
    viewer: { subnets: { edges: { node: { id: string; asset: SubnetAsset } }[] } };
  }>("{ viewer { subnets(first: 10) { edges { node { id asset { kind symbol decimals address } } } } } }");
  const byId = new Map(viewer.subnets.edges.map(({ node }) => [node.id, node.asset]));
  return (subnetId) => byId.get(subnetId);
}

/** How many subnets the tenant has (up to 100). */
export const subnetCount = async (tenant: GraphQLTestClient) =>
  (
    await tenant.data<{ viewer: { subnets: { edges: unknown[] } } }>(
      "{ viewer { subnets(first: 100) { edges { cursor } } } }",
    )
  ).viewer.subnets.edges.length;

/** The id of the gateway's chain of `kind` (EVM, SOLANA, …): its only one of that kind. */
export async function chainIdOfKind(client: GraphQLTestClient, kind: string): Promise<string> {
  const { chains } = await client.data<{ chains: { id: string; kind: string }[] }>("{ chains { id kind } }");
  const chainId = chains.find((chain) => chain.kind === kind)?.id;
  if (!chainId) throw new Error(`the gateway runs no ${kind} chain: ${JSON.stringify(chains)}`);
  return chainId;
}
