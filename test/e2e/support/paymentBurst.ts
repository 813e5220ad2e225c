import type { GatewayProcess } from "./gatewayProcess.ts";
import { GraphQLTestClient } from "./graphqlTestClient.ts";

// The payer and payee of the tests that send a burst of payments and then stop or kill the gateway
// process: tenant A's funded sender accounts pay one account of tenant B, both on refchain:local.
// Then the readings those tests check the money with: balances and an account's whole history.

const CREATE_TENANT =
  "mutation ($name: String!) { createTenant(input: { name: $name }) { tenant { id } apiKey } }";
const CREATE_SUBNET = `mutation ($name: String!) {
  createSubnet(input: { name: $name, chainId: "refchain:local" }) { subnet { id asset { decimals } } }
}`;
const CREATE_ACCOUNT = `mutation ($subnetId: ID!, $label: String) {
  createAccount(input: { subnetId: $subnetId, label: $label }) { account { id address custody } }
}`;
const FUND = `mutation ($accountId: ID!, $amount: Amount!) {
  fundAccount(input: { accountId: $accountId, amount: $amount }) { txHash }
}`;
const BALANCE = "query ($id: ID!) { account(id: $id) { balance } }";
const HISTORY = `query ($id: ID!, $after: String, $direction: PaymentDirection) {
  account(id: $id) {
    payments(first: 100, after: $after, direction: $direction) {
      edges { node { id status amount txHash idempotencyKey error { code message } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** A tenant with its REF subnet. The API key outlives the gateway process: reuse it after a restart. */
export interface RefTenant {
  client: GraphQLTestClient;
  apiKey: string;
  subnet: { id: string; asset: { decimals: number } };
}

export interface BurstAccount {
  id: string;
  address: string;
  custody: string;
}

export interface PaymentBurstParties {
  payer: RefTenant;
  payee: RefTenant;
  /** The payer's accounts, each funded with `funding`, labelled "sender 0", "sender 1", … */
  senders: BurstAccount[];
  /** The payee's one account, labelled "receiver". */
  receiver: BurstAccount;
  /** The REF asset's decimals (the same in both subnets). */
  decimals: number;
  /** A decimal amount of REF in base units. */
  units(amount: string): bigint;
  /** An account's balance in base units, read through `client` (the tenant's, on whichever process runs). */
  balanceOf(client: GraphQLTestClient, accountId: string): Promise<bigint>;
}

export interface PaymentBurstPartiesParameters {
  /** The tenants' names: "`payer`" and "`payee`", their subnets "`payer` REF" and "`payee` REF". */
  payer: string;
  payee: string;
  senders: number;
  /** What each sender is funded with, a decimal amount of REF. */
  funding: string;
}

/** Creates the payer and payee tenants through `gateway`'s admin key, their accounts, and funds the senders. */
export async function createPaymentBurstParties(
  gateway: Pick<GatewayProcess, "url" | "wsUrl" | "adminKey">,
  parameters: PaymentBurstPartiesParameters,
): Promise<PaymentBurstParties> {
  const admin = new GraphQLTestClient(gateway.url, gateway.wsUrl, gateway.adminKey);
  const tenant = async (name: string): Promise<RefTenant> => {
    const { createTenant } = await admin.data<{ createTenant: { apiKey: string } }>(CREATE_TENANT, {
      name,
    });
    const client = new GraphQLTestClient(gateway.url, gateway.wsUrl, createTenant.apiKey);
    const { createSubnet } = await client.data<{ createSubnet: { subnet: RefTenant["subnet"] } }>(
      CREATE_SUBNET,
      { name: `${name} REF` },
    );
    return { client, apiKey: createTenant.apiKey, subnet: createSubnet.subnet };
  };
  const createAccount = async ({ client, subnet }: RefTenant, label: string) => {
    type Payload = { createAccount: { account: BurstAccount } };
    return (await client.data<Payload>(CREATE_ACCOUNT, { subnetId: subnet.id, label })).createAccount.account;
  };

  const payer = await tenant(parameters.payer);
  const payee = await tenant(parameters.payee);
  const senders: BurstAccount[] = [];
  for (let s = 0; s < parameters.senders; s++) senders.push(await createAccount(payer, `sender ${s}`));
  const receiver = await createAccount(payee, "receiver");
  await Promise.all(
    senders.map((sender) => payer.client.data(FUND, { accountId: sender.id, amount: parameters.funding })),
  );

  const decimals = payer.subnet.asset.decimals;
  const units = (amount: string) => toUnits(amount, decimals);
  const balanceOf = async (client: GraphQLTestClient, accountId: string) =>
    units((await client.data<{ account: { balance: string } }>(BALANCE, { id: accountId })).account.balance);
  return { payer, payee, senders, receiver, decimals, units, balanceOf };
}

/** A payment as an account's history lists it. */
export interface HistoryPayment {
  id: string;
  status: string;
  amount: string;
  txHash: string | null;
  idempotencyKey: string | null;
  error: { code: string; message: string } | null;
}

/** Every payment of an account in one direction, all pages. */
export async function paymentHistory(
  client: GraphQLTestClient,
  accountId: string,
  direction: "INCOMING" | "OUTGOING",
): Promise<HistoryPayment[]> {
  const nodes: HistoryPayment[] = [];
  let after: string | null = null;
  for (;;) {
    type Page = {
      account: {
        payments: {
          edges: { node: HistoryPayment }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
    };
    const { account }: Page = await client.data<Page>(HISTORY, { id: accountId, after, direction });
    nodes.push(...account.payments.edges.map((edge) => edge.node));
    if (!account.payments.pageInfo.hasNextPage) return nodes;
    after = account.payments.pageInfo.endCursor;
  }
}

/** A decimal string in base units (the gateway's Amount format: digits, optionally a point and more digits). */
function toUnits(amount: string, decimals: number): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  if (fraction.length > decimals) throw new Error(`${amount} has more than ${decimals} decimals`);
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

export const sum = (values: Iterable<bigint>) => [...values].reduce((total, value) => total + value, 0n);
