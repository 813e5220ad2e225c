import { eventually, type GraphQLTestClient } from "../../e2e/support/graphqlTestClient.ts";
import { CREATE_ACCOUNT, CREATE_SUBNET, FUND, SEND, type SendResult } from "../../e2e/support/scenario.ts";

export interface TestAccount {
  id: string;
  address: string;
}

/** A REF subnet on the shared refchain with `count` managed accounts, each funded with `funds` when given. */
export async function refchainAccounts(
  client: GraphQLTestClient,
  count: number,
  funds?: string,
): Promise<TestAccount[]> {
  const { createSubnet } = await client.data<{ createSubnet: { subnet: { id: string } } }>(CREATE_SUBNET, {
    input: { name: "main", chainId: "refchain:local" },
  });
  const accounts: TestAccount[] = [];
  for (let index = 0; index < count; index++) {
    const { createAccount } = await client.data<{ createAccount: { account: TestAccount } }>(CREATE_ACCOUNT, {
      input: { subnetId: createSubnet.subnet.id, label: `account ${index}` },
    });
    accounts.push(createAccount.account);
    if (funds) await client.data(FUND, { accountId: createAccount.account.id, amount: funds });
  }
  if (funds) {
    // The faucet's transfers are in blocks once every balance shows them.
    await eventually(async () => {
      const balances = await balancesOf(client, accounts);
      return balances.every((balance) => balance === funds) ? true : undefined;
    });
  }
  return accounts;
}

/** The balances of `accounts`, read in one query (one batched chain read). */
export async function balancesOf(
  client: GraphQLTestClient,
  accounts: readonly TestAccount[],
): Promise<string[]> {
  const fields = accounts
    .map((account, index) => `a${index}: account(id: "${account.id}") { balance }`)
    .join(" ");
  const data = await client.data<Record<string, { balance: string }>>(`query { ${fields} }`);
  return accounts.map((_, index) => data[`a${index}`]?.balance ?? "missing");
}

export const sendPayment = (client: GraphQLTestClient, input: Record<string, unknown>) =>
  client.request<{ sendPayment: SendResult }>(SEND, { input });

/** A payment's status and amount, as a replica answers it; null when it does not know the payment. */
export async function paymentStatus(
  client: GraphQLTestClient,
  id: string,
): Promise<{ status: string; amount: string } | null> {
  const { payment } = await client.data<{ payment: { status: string; amount: string } | null }>(
    "query ($id: ID!) { payment(id: $id) { status amount } }",
    { id },
  );
  return payment;
}
