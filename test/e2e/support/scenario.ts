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
