import { type Account, createAccount, createSubnet, type Tenant } from "./scenario.ts";
import { startTestGateway, type TestGateway } from "./testGateway.ts";

// The chain end-to-end tests pay across two tenants of one gateway: Acme (a) pays, Globex (b) is paid.

export interface TenantPair {
  gateway: TestGateway;
  a: Tenant;
  b: Tenant;
}

/** A real gateway with `env` on top of the test defaults, and its two tenants, Acme and Globex. */
export async function startGatewayWithTenantPair(env: Record<string, string>): Promise<TenantPair> {
  const gateway = await startTestGateway(env);
  return { gateway, a: await gateway.newTenant("Acme"), b: await gateway.newTenant("Globex") };
}

/** A subnet of each tenant on the same chain and asset: A pays from its own, B is paid into its own. */
export interface SubnetPair {
  a: { id: string };
  b: { id: string };
  /** A new account in each: the payer in A's subnet, labelled "`what` payer", the payee in B's. */
  accounts(what?: string): Promise<{ payer: Account; payee: Account }>;
}

/**
 * Subnets named "acme `asset`" and "globex `asset`" on `chainId`, of its native coin or, with
 * `token`, of that token.
 */
export async function subnetPair(
  { a, b }: Pick<TenantPair, "a" | "b">,
  chainId: string,
  asset: string,
  token?: string,
): Promise<SubnetPair> {
  const input = (tenant: string) => ({
    name: `${tenant} ${asset}`,
    chainId,
    ...(token === undefined ? {} : { asset: { token } }),
  });
  const aSubnet = await createSubnet(a, input("acme"));
  const bSubnet = await createSubnet(b, input("globex"));
  return {
    a: aSubnet,
    b: bSubnet,
    async accounts(what) {
      const label = (role: string) => (what === undefined ? role : `${what} ${role}`);
      return {
        payer: await createAccount(a, aSubnet.id, { label: label("payer") }),
        payee: await createAccount(b, bSubnet.id, { label: label("payee") }),
      };
    },
  };
}
