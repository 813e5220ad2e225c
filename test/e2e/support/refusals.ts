import { expect } from "vitest";
import { codesOf, type GraphQLTestClient } from "./graphqlTestClient.ts";
import { type Account, CREATE_SUBNET, send, subnetCount } from "./scenario.ts";

// Refusals every chain's end-to-end test checks alike: what the gateway answers. What must not have
// moved on the chain meanwhile, each test checks its own way.

/**
 * `tenant` pays 0.1 from `payer` to `payee`'s address, with `input` on top, under a key of its own:
 * the gateway must refuse it with `code` and a sentence. Returns the error's message and field.
 */
export async function sendRefused(
  tenant: GraphQLTestClient,
  payer: Account,
  payee: Account,
  input: Record<string, unknown>,
  code: string,
) {
  const response = await send(tenant, {
    fromAccountId: payer.id,
    to: { address: payee.address },
    amount: "0.1",
    idempotencyKey: `bad-${Math.random()}`,
    ...input,
  });
  expect(codesOf(response)).toEqual([code]);
  const error = response.errors?.[0];
  expect(error?.message.length).toBeGreaterThan(10); // a sentence, not a bare code
  return { message: error?.message ?? "", field: error?.extensions?.field };
}

/**
 * createSubnet on `chainId` with each of `tokens` as asset.token is BAD_USER_INPUT with a message
 * naming it, and no subnet is made.
 */
export async function expectNoSubnetOfTokens(
  tenant: GraphQLTestClient,
  chainId: string,
  tokens: readonly string[],
) {
  const before = await subnetCount(tenant);
  for (const token of tokens) {
    const response = await tenant.request(CREATE_SUBNET, {
      input: { name: "not a token", chainId, asset: { token } },
    });
    expect(codesOf(response), token).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors?.[0]?.message, token).toContain(token);
  }
  expect(await subnetCount(tenant)).toBe(before);
}
