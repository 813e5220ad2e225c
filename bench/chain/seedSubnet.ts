import type { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import { CREATE_ACCOUNT, CREATE_SUBNET, FUND } from "../../test/e2e/support/scenario.ts";
import { mapConcurrent } from "../gateway/mapConcurrent.ts";
import type { SeededAccount } from "../gateway/seedGateway.ts";

export interface SeededSubnet {
  subnetId: string;
  /** The first `funded` of them hold `fundEach` of the native coin, from the chain's faucet. */
  accounts: SeededAccount[];
}

/**
 * A subnet of the tenant's on `chainId` (its native coin), with `accounts` MANAGED accounts, the
 * first `funded` funded through fundAccount: made through the API as an app would.
 */
export async function seedSubnet(
  client: GraphQLTestClient,
  shape: { name: string; chainId: string; accounts: number; funded: number; fundEach: string },
): Promise<SeededSubnet> {
  const { createSubnet } = await client.data<{ createSubnet: { subnet: { id: string } } }>(CREATE_SUBNET, {
    input: { name: shape.name, chainId: shape.chainId },
  });
  const subnetId = createSubnet.subnet.id;
  const accounts = await mapConcurrent(
    Array.from({ length: shape.accounts }, (_, i) => i),
    16,
    async (i) =>
      (
        await client.data<{ createAccount: { account: SeededAccount } }>(CREATE_ACCOUNT, {
          input: { subnetId, label: `${shape.name} ${i}` },
        })
      ).createAccount.account,
  );
  // The faucet sends one transaction at a time and waits for its block: a few in flight keep it busy.
  await mapConcurrent(accounts.slice(0, shape.funded), 4, (account) =>
    client.data(FUND, { accountId: account.id, amount: shape.fundEach }),
  );
  return { subnetId, accounts };
}
