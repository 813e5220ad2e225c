import { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import { mapConcurrent } from "./mapConcurrent.ts";

export interface SeededAccount {
  id: string;
  address: string;
}

export interface SeededTenant {
  tenantId: string;
  apiKey: string;
  /** HTTP and graphql-ws client with the tenant's key. */
  client: GraphQLTestClient;
  subnetId: string;
  /** Funded with `fundEach` from the faucet: they send payments. */
  senders: SeededAccount[];
  /** Not funded: they receive payments. */
  receivers: SeededAccount[];
}

export interface SeedShape {
  tenants: number;
  sendersPerTenant: number;
  receiversPerTenant: number;
  /** Faucet amount per sender, a decimal string in REF. */
  fundEach: string;
}

const CREATE_TENANT =
  "mutation ($name: String!) { createTenant(input: { name: $name }) { tenant { id } apiKey } }";
const CREATE_SUBNET =
  'mutation ($name: String!) { createSubnet(input: { name: $name, chainId: "refchain:local" }) { subnet { id } } }';
const CREATE_ACCOUNT =
  "mutation ($subnetId: ID!, $label: String) { createAccount(input: { subnetId: $subnetId, label: $label }) { account { id address } } }";
const FUND =
  "mutation ($accountId: ID!, $amount: Amount!) { fundAccount(input: { accountId: $accountId, amount: $amount }) { txHash } }";

/**
 * Tenants, each with one refchain subnet, funded sender accounts and receiver accounts, made through
 * the gateway's own API as an app would (admin key for the tenants, each tenant's key for the rest).
 */
export async function seedGateway(
  gateway: { url: string; wsUrl: string; adminKey: string },
  shape: SeedShape,
): Promise<SeededTenant[]> {
  const admin = new GraphQLTestClient(gateway.url, gateway.wsUrl, gateway.adminKey);
  return mapConcurrent(
    Array.from({ length: shape.tenants }, (_, t) => t),
    shape.tenants,
    async (t) => {
      const { createTenant } = await admin.data<{ createTenant: { tenant: { id: string }; apiKey: string } }>(
        CREATE_TENANT,
        { name: `bench tenant ${t + 1}` },
      );
      const client = new GraphQLTestClient(gateway.url, gateway.wsUrl, createTenant.apiKey);
      const { createSubnet } = await client.data<{ createSubnet: { subnet: { id: string } } }>(
        CREATE_SUBNET,
        {
          name: `bench subnet ${t + 1}`,
        },
      );
      const subnetId = createSubnet.subnet.id;
      const accounts = await mapConcurrent(
        Array.from({ length: shape.sendersPerTenant + shape.receiversPerTenant }, (_, i) => i),
        16,
        async (i) =>
          (
            await client.data<{ createAccount: { account: SeededAccount } }>(CREATE_ACCOUNT, {
              subnetId,
              label: i < shape.sendersPerTenant ? `sender ${i}` : `receiver ${i - shape.sendersPerTenant}`,
            })
          ).createAccount.account,
      );
      const senders = accounts.slice(0, shape.sendersPerTenant);
      // Faucet transfers wait for their block: many at once share blocks.
      await mapConcurrent(senders, 64, (sender) =>
        client.data(FUND, { accountId: sender.id, amount: shape.fundEach }),
      );
      return {
        tenantId: createTenant.tenant.id,
        apiKey: createTenant.apiKey,
        client,
        subnetId,
        senders,
        receivers: accounts.slice(shape.sendersPerTenant),
      };
    },
  );
}
