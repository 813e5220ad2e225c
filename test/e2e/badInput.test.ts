import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { codesOf, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import {
  type Account,
  balanceOf,
  createAccount,
  createSubnet,
  SEND,
  type Tenant,
  tenantWithAccount,
} from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

interface Row {
  name: string;
  code: string;
  /** Who asks: tenant A (default), nobody, or a wrong key. */
  as?: "a" | "anonymous" | "wrongKey";
  query: string;
  variables: () => Record<string, unknown>;
}

/** Flips one character in the middle of a bech32m address: the checksum catches it. */
const corrupt = (address: string) => {
  const at = Math.floor(address.length / 2);
  const replacement = address[at] === "q" ? "p" : "q";
  return `${address.slice(0, at)}${replacement}${address.slice(at + 1)}`;
};

describe("bad input: a coded error and no change", () => {
  let gateway: TestGateway;
  let a: { tenant: Tenant; subnet: { id: string }; account: Account };
  let b: { tenant: Tenant; subnet: { id: string }; account: Account };
  let external: Account;
  let tokenAccount: Account;

  beforeAll(async () => {
    gateway = await startTestGateway();
    a = await tenantWithAccount(gateway, "100");
    b = await tenantWithAccount(gateway);
    external = await createAccount(a.tenant, a.subnet.id, { address: b.account.address, label: "watch B" });
    const issued = await createSubnet(a.tenant, {
      name: "points",
      asset: { issue: { symbol: "PTS", decimals: 2, supply: "1000" } },
    });
    tokenAccount = await createAccount(a.tenant, issued.id);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const payment = (overrides: Record<string, unknown>) => () => ({
    input: {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "1",
      idempotencyKey: `bad-${Math.random()}`,
      ...overrides,
    },
  });

  const rows: Row[] = [
    ...[
      "1e3",
      "-1",
      "0",
      "0.000",
      " 1",
      "1 ",
      "١٢",
      "01",
      ".5",
      "1.",
      "1.0000000001",
      "9".repeat(90),
      "",
      "abc",
    ].map(
      (amount): Row => ({
        name: `amount ${JSON.stringify(amount)}`,
        code: "BAD_USER_INPUT",
        query: SEND,
        variables: payment({ amount }),
      }),
    ),
    {
      name: "amount as a JSON number",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ amount: 1 }),
    },
    {
      name: "amount beyond the balance",
      code: "INSUFFICIENT_FUNDS",
      query: SEND,
      variables: payment({ amount: "100.000000001" }),
    },
    {
      name: "both accountId and address",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: () => payment({ to: { address: b.account.address, accountId: a.account.id } })(),
    },
    {
      name: "neither accountId nor address",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ to: {} }),
    },
    {
      name: "an address with a bad checksum",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: () => payment({ to: { address: corrupt(b.account.address) } })(),
    },
    {
      name: "an address of another chain (EVM)",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ to: { address: "0x52908400098527886E0F7030069857D2E4169EE7" } }),
    },
    {
      name: "an address with the wrong prefix",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: () => payment({ to: { address: b.account.address.replace(/^ref/, "bc") } })(),
    },
    {
      name: "an unknown sender",
      code: "NOT_FOUND",
      query: SEND,
      variables: payment({ fromAccountId: "acc_nope" }),
    },
    {
      name: "another tenant's account as sender",
      code: "NOT_FOUND",
      query: SEND,
      variables: () => payment({ fromAccountId: b.account.id })(),
    },
    {
      name: "another tenant's account as target by id",
      code: "NOT_FOUND",
      query: SEND,
      variables: () => payment({ to: { accountId: b.account.id } })(),
    },
    {
      name: "sending from an EXTERNAL account",
      code: "FORBIDDEN",
      query: SEND,
      variables: () => payment({ fromAccountId: external.id })(),
    },
    {
      name: "paying an account of a subnet with another asset",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: () => payment({ to: { accountId: tokenAccount.id } })(),
    },
    {
      name: "an empty idempotency key",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ idempotencyKey: "" }),
    },
    {
      name: "an idempotency key with a space",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ idempotencyKey: "a b" }),
    },
    {
      name: "a memo over 256 bytes",
      code: "BAD_USER_INPUT",
      query: SEND,
      variables: payment({ memo: "é".repeat(129) }),
    },
    { name: "no key", code: "UNAUTHENTICATED", as: "anonymous", query: SEND, variables: payment({}) },
    { name: "a wrong key", code: "UNAUTHENTICATED", as: "wrongKey", query: SEND, variables: payment({}) },
    {
      name: "createSubnet on an unknown chain",
      code: "BAD_USER_INPUT",
      query: 'mutation { createSubnet(input: { name: "x", chainId: "eip155:1" }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "createSubnet with two assets",
      code: "BAD_USER_INPUT",
      query:
        'mutation { createSubnet(input: { name: "x", chainId: "refchain:local", asset: { native: true, token: "s1/X" } }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "createSubnet with an unknown token",
      code: "BAD_USER_INPUT",
      query:
        'mutation { createSubnet(input: { name: "x", chainId: "refchain:local", asset: { token: "s0000000000000000/NOPE" } }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "issuing an asset with a bad symbol",
      code: "BAD_USER_INPUT",
      query:
        'mutation { createSubnet(input: { name: "x", chainId: "refchain:local", asset: { issue: { symbol: "no good", decimals: 2, supply: "1" } } }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "issuing an asset with 40 decimals",
      code: "BAD_USER_INPUT",
      query:
        'mutation { createSubnet(input: { name: "x", chainId: "refchain:local", asset: { issue: { symbol: "X", decimals: 40, supply: "1" } } }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "a subnet with an empty name",
      code: "BAD_USER_INPUT",
      query: 'mutation { createSubnet(input: { name: "", chainId: "refchain:local" }) { subnet { id } } }',
      variables: () => ({}),
    },
    {
      name: "an account in another tenant's subnet",
      code: "NOT_FOUND",
      query: "mutation ($id: ID!) { createAccount(input: { subnetId: $id }) { account { id } } }",
      variables: () => ({ id: b.subnet.id }),
    },
    {
      name: "an EXTERNAL account with a bad address",
      code: "BAD_USER_INPUT",
      query:
        'mutation ($id: ID!) { createAccount(input: { subnetId: $id, address: "ref1nothing" }) { account { id } } }',
      variables: () => ({ id: a.subnet.id }),
    },
    {
      name: "the faucet for an issued asset",
      code: "UNSUPPORTED",
      query: 'mutation ($id: ID!) { fundAccount(input: { accountId: $id, amount: "1" }) { txHash } }',
      variables: () => ({ id: tokenAccount.id }),
    },
    {
      name: "the faucet with amount 0",
      code: "BAD_USER_INPUT",
      query: 'mutation ($id: ID!) { fundAccount(input: { accountId: $id, amount: "0" }) { txHash } }',
      variables: () => ({ id: a.account.id }),
    },
    {
      name: "another tenant's account by id",
      code: "NOT_FOUND",
      query: "query ($id: ID!) { account(id: $id) { id } }",
      variables: () => ({ id: b.account.id }),
    },
    {
      name: "another tenant's subnet by id",
      code: "NOT_FOUND",
      query: "query ($id: ID!) { subnet(id: $id) { id } }",
      variables: () => ({ id: b.subnet.id }),
    },
    {
      name: "an unknown payment id",
      code: "NOT_FOUND",
      query: '{ payment(id: "pay_nope") { id } }',
      variables: () => ({}),
    },
    {
      name: "a page of 0",
      code: "BAD_USER_INPUT",
      query: "query ($id: ID!) { account(id: $id) { payments(first: 0) { edges { cursor } } } }",
      variables: () => ({ id: a.account.id }),
    },
    {
      name: "a page of 1000",
      code: "BAD_USER_INPUT",
      query: "query ($id: ID!) { account(id: $id) { payments(first: 1000) { edges { cursor } } } }",
      variables: () => ({ id: a.account.id }),
    },
    { name: "a malformed query", code: "GRAPHQL_PARSE_FAILED", query: "{ viewer { ", variables: () => ({}) },
    {
      name: "an unknown field",
      code: "GRAPHQL_VALIDATION_FAILED",
      query: "{ viewer { secret } }",
      variables: () => ({}),
    },
  ];

  /** What a bad request must not change: A's balance, payments, subnets and accounts; B's balance. */
  async function snapshot() {
    const { viewer } = await a.tenant.data<{
      viewer: {
        subnets: {
          edges: { node: { id: string; accounts: { edges: unknown[] }; payments: { edges: unknown[] } } }[];
        };
      };
    }>(
      "{ viewer { subnets(first: 100) { edges { node { id accounts(first: 100) { edges { cursor } } payments(first: 100) { edges { cursor } } } } } } }",
    );
    return {
      subnets: viewer.subnets.edges.map(({ node }) => ({
        id: node.id,
        accounts: node.accounts.edges.length,
        payments: node.payments.edges.length,
      })),
      balanceA: await balanceOf(a.tenant, a.account.id),
      balanceB: await balanceOf(b.tenant, b.account.id),
    };
  }

  test.each(rows.map((row) => [row.name, row] as const))(
    "%s → its code, nothing changed",
    async (_name, row) => {
      const before = await snapshot();
      const client =
        row.as === "anonymous"
          ? gateway.anonymous
          : row.as === "wrongKey"
            ? new GraphQLTestClient(gateway.gateway.url, gateway.gateway.wsUrl, "vg_wrong")
            : a.tenant;
      const response = await client.request(row.query, row.variables());
      expect(codesOf(response)).toEqual([row.code]);
      expect(response.errors?.[0]?.message.length).toBeGreaterThan(10); // a sentence, not a bare code
      expect(JSON.stringify(response.errors)).not.toMatch(/ at .*\.ts:\d+/); // no stack traces
      expect(await snapshot()).toEqual(before);
    },
  );
});
