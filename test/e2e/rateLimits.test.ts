import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { codesOf, type GraphQLResponse } from "./support/graphqlTestClient.ts";
import { createAccount, createSubnet, FUND, send, type Tenant } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";
import { firstOutcome } from "./support/wsOutcome.ts";

// GATEWAY_RATE_LIMIT=5/1m: every tenant may run 5 operations a minute, over HTTP and graphql-ws
// together. The window is long enough that no test here outlives it, so which operation is refused
// does not depend on how fast the machine is.
const BUDGET = 5;
const WINDOW_SECONDS = 60;
const VIEWER = "{ viewer { id } }";

interface RawResponse extends GraphQLResponse<unknown> {
  retryAfter: string | null;
}

/** POST /graphql (or GET with the query in the URL) with `tenant`'s key, keeping the headers. */
async function raw(
  tenant: Tenant,
  query: string,
  variables: Record<string, unknown> = {},
  method: "POST" | "GET" = "POST",
): Promise<RawResponse> {
  const authorization = { authorization: `Bearer ${tenant.apiKey}` };
  const response =
    method === "POST"
      ? await fetch(tenant.url, {
          method,
          headers: { "content-type": "application/json", ...authorization },
          body: JSON.stringify({ query, variables }),
        })
      : await fetch(`${tenant.url}?query=${encodeURIComponent(query)}`, {
          // Apollo's CSRF prevention wants a non-simple header on GET: any client library sends one.
          headers: { accept: "application/json", "apollo-require-preflight": "true", ...authorization },
        });
  const body = (await response.json()) as GraphQLResponse<unknown>;
  return { ...body, status: response.status, retryAfter: response.headers.get("retry-after") };
}

/** Spends `count` operations of the tenant's budget on `{ viewer { id } }`, each one served. */
async function spend(tenant: Tenant, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await raw(tenant, VIEWER);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
  }
}

/** The response of a refusal for the limit: 429, Retry-After, and RATE_LIMITED with the same hint. */
function expectRateLimited(response: RawResponse, tenant: Tenant): number {
  expect(response.status).toBe(429);
  expect(codesOf(response)).toEqual(["RATE_LIMITED"]);
  const error = response.errors?.[0];
  const retryAfterSeconds = error?.extensions?.retryAfterSeconds as number;
  expect(Number.isInteger(retryAfterSeconds)).toBe(true);
  expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(response.retryAfter).toBe(String(retryAfterSeconds));
  expect(error?.message).toBe(
    `Tenant ${tenant.tenantId} made more than ${BUDGET} requests in 1 minute; retry in ${retryAfterSeconds} s.`,
  );
  expect(response.data ?? null).toBeNull();
  return retryAfterSeconds;
}

describe("per-tenant rate limits (GATEWAY_RATE_LIMIT=5/1m)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ GATEWAY_RATE_LIMIT: `${BUDGET}/1m` });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("the sixth operation is RATE_LIMITED: HTTP 429 with Retry-After, over POST and GET; another tenant is still served", async () => {
    const tenant = await gateway.newTenant();
    const other = await gateway.newTenant();
    await spend(tenant, BUDGET);

    expectRateLimited(await raw(tenant, VIEWER), tenant);
    expectRateLimited(await raw(tenant, VIEWER, {}, "GET"), tenant);
    // Invalid operations count too, and are refused for the limit before anything looks at them.
    expectRateLimited(await raw(tenant, "{ notAField }"), tenant);

    const served = await raw(other, VIEWER);
    expect(served.status).toBe(200);
    expect(served.data).toEqual({ viewer: { id: other.tenantId } });
    expect(served.retryAfter).toBeNull();
  });

  test("a rate-limited sendPayment makes no payment", async () => {
    const payer = await gateway.newTenant("payer");
    const payee = await gateway.newTenant("payee");
    const payeeAccount = await createAccount(payee, (await createSubnet(payee)).id);
    const subnet = await createSubnet(payer); // 1
    const account = await createAccount(payer, subnet.id); // 2
    await payer.data(FUND, { accountId: account.id, amount: "10" }); // 3
    const payment = (idempotencyKey: string) => ({
      fromAccountId: account.id,
      to: { address: payeeAccount.address },
      amount: "1",
      idempotencyKey,
    });
    const sent = await send(payer, payment("within-budget")); // 4
    expect(sent.errors).toBeUndefined();
    await spend(payer, 1); // 5

    const refused = await raw(
      payer,
      "mutation ($input: SendPaymentInput!) { sendPayment(input: $input) { payment { id } } }",
      {
        input: payment("over-budget"),
      },
    );
    expectRateLimited(refused, payer);

    // The admin key sees every tenant's payments (and is not limited): the one within the budget is
    // there, the refused one was never made.
    const { tenants } = await gateway.admin.data<{
      tenants: {
        edges: {
          node: {
            id: string;
            subnets: { edges: { node: { payments: { edges: { node: { idempotencyKey: string } }[] } } }[] };
          };
        }[];
      };
    }>(
      `{ tenants(first: 100) { edges { node { id subnets(first: 10) { edges { node {
          payments(first: 10) { edges { node { idempotencyKey } } } } } } } } } }`,
    );
    const payerNode = tenants.edges.find((edge) => edge.node.id === payer.tenantId)?.node;
    const keys = payerNode?.subnets.edges.flatMap((subnetEdge) =>
      subnetEdge.node.payments.edges.map((paymentEdge) => paymentEdge.node.idempotencyKey),
    );
    expect(keys).toContain("within-budget");
    expect(keys).not.toContain("over-budget");
  });

  test("the admin key is not limited", async () => {
    for (let i = 0; i < BUDGET * 3; i++) {
      const response = await gateway.admin.request("{ tenants(first: 1) { edges { node { id } } } }");
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
    }
  });

  test("graphql-ws: each subscribe counts, in the same budget as HTTP; over it, the operation gets RATE_LIMITED", async () => {
    const tenant = await gateway.newTenant();
    await spend(tenant, 2);
    const socket = tenant.ws();
    try {
      for (let i = 0; i < BUDGET - 2; i++) {
        expect(await firstOutcome(socket, VIEWER)).toEqual({ data: { viewer: { id: tenant.tenantId } } });
      }
      const refused = await firstOutcome(socket, "subscription { chainHeads { chainId height } }");
      expect(refused.data).toBeUndefined();
      expect(refused.errors).toHaveLength(1);
      const [error] = refused.errors ?? [];
      expect(error?.extensions?.code).toBe("RATE_LIMITED");
      const retryAfterSeconds = error?.extensions?.retryAfterSeconds as number;
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(error?.message).toContain(
        `Tenant ${tenant.tenantId} made more than ${BUDGET} requests in 1 minute`,
      );
      // The socket stays open: the next operation on it is refused the same way, not cut off.
      expect((await firstOutcome(socket, VIEWER)).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    } finally {
      await socket.dispose();
    }
    // And HTTP agrees: the budget is spent.
    expectRateLimited(await raw(tenant, VIEWER), tenant);
  });
});
