import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  buildClientSchema,
  buildSchema,
  type GraphQLSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
} from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createAccount,
  createSubnet,
  send,
  type Tenant,
  tenantWithAccount,
} from "../e2e/support/scenario.ts";
import { startTestGateway, type TestGateway } from "../e2e/support/testGateway.ts";
import { answerProblems, graphqlErrorsOf } from "./support/answerProblems.ts";
import { GATEWAY_ERROR_CODES } from "./support/documentedErrorCodes.ts";
import { type KnownValues, mutationCallArbitrary } from "./support/mutationCalls.ts";
import { postGraphQL } from "./support/rawHttp.ts";
import { type VisibleState, VisibleStateReader } from "./support/visibleState.ts";

// Property: random input to any mutation, from any caller, gets an answer below 500 whose errors all
// carry a documented code (never INTERNAL_SERVER_ERROR); and a call answered with an error changes
// nothing a user can see. One real gateway (HTTP on port 0, SQLite in a temporary DATA_DIR,
// in-process refchain); fast-check prints the seed and the shrunk call of a failure.

/** PROPERTY_RUNS=1000 for a longer hunt; the default keeps the file well under a minute. */
const RUNS_PER_MUTATION = Number(process.env.PROPERTY_RUNS ?? 100);

const repoFile = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The mutations of the schema file, the contract CI keeps in step with the code (schema:check). */
const MUTATIONS = Object.keys(
  buildSchema(repoFile("schema/schema.graphql")).getMutationType()?.getFields() ?? {},
);

/** A second API key of each tenant, where the gateway has createApiKey: their ids. */
async function spareApiKeyIds(schema: GraphQLSchema, tenants: readonly Tenant[]): Promise<string[]> {
  if (!schema.getMutationType()?.getFields().createApiKey) return [];
  const ids: string[] = [];
  for (const tenant of tenants) {
    const { createApiKey } = await tenant.data<{ createApiKey: { key: { id: string } } }>(
      'mutation { createApiKey(input: { label: "spare" }) { key { id } } }',
    );
    ids.push(createApiKey.key.id);
  }
  return ids;
}

type CallerName = "a" | "b" | "admin" | "anonymous" | "wrongKey";

describe("mutations: random input never breaks the gateway, and an error changes nothing", () => {
  let gateway: TestGateway;
  let schema: GraphQLSchema;
  let a: Tenant;
  let b: Tenant;
  let known: KnownValues;
  let keys: Record<CallerName, string | undefined>;
  let state: VisibleStateReader;

  beforeAll(async () => {
    gateway = await startTestGateway({
      // The rate limiter would answer instead of the code under test.
      GATEWAY_RATE_LIMIT: "off",
      // The snapshot of a tenant's state is one deep query; the limits are not what is tested here.
      GATEWAY_MAX_QUERY_DEPTH: "50",
      GATEWAY_MAX_QUERY_COST: "1000000000",
    });
    schema = buildClientSchema(await gateway.admin.data<IntrospectionQuery>(getIntrospectionQuery()));

    // Acme (a) has a funded account, a watch-only one, an issued token and a payment; Globex (b) an account.
    const acme = await tenantWithAccount(gateway, "1000");
    const globex = await tenantWithAccount(gateway);
    a = acme.tenant;
    b = globex.tenant;
    const external = await createAccount(a, acme.subnet.id, {
      address: globex.account.address,
      label: "watch",
    });
    const points = await createSubnet(a, {
      name: "points",
      asset: { issue: { symbol: "PTS", decimals: 2, supply: "1000" } },
    });
    const pointsAccount = await createAccount(a, points.id);
    const tokenAddress = points.asset.id.slice(points.asset.id.indexOf("/") + 1);
    const paid = await send(a, {
      fromAccountId: acme.account.id,
      to: { address: globex.account.address },
      amount: "1",
      idempotencyKey: "prop-key-1",
    });
    const paymentId = paid.data?.sendPayment.payment.id;
    if (!paymentId) throw new Error(`fixture payment failed: ${JSON.stringify(paid.errors)}`);
    const { chains } = await a.data<{ chains: { id: string }[] }>("{ chains { id } }");
    // Keys the calls may revoke; the tenants' first keys stay out of reach, or the snapshots would stop.
    const spareKeyIds = await spareApiKeyIds(schema, [a, b]);

    known = {
      ids: [
        a.tenantId,
        b.tenantId,
        acme.subnet.id,
        points.id,
        globex.subnet.id,
        acme.account.id,
        external.id,
        pointsAccount.id,
        globex.account.id,
        paymentId,
        ...spareKeyIds,
      ],
      chainIds: chains.map((chain) => chain.id),
      addresses: [acme.account.address, globex.account.address, pointsAccount.address, tokenAddress],
      idempotencyKeys: ["prop-key-1", "prop-key-2", "prop-key-3"],
    };
    keys = {
      a: a.apiKey,
      b: b.apiKey,
      admin: gateway.adminKey,
      anonymous: undefined,
      wrongKey: `${a.apiKey.slice(0, -2)}xx`,
    };
    state = new VisibleStateReader(schema, gateway.admin, [a, b]);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("the schema file names every mutation the gateway serves, so each has a property below", () => {
    const served = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect([...MUTATIONS].sort()).toEqual([...served].sort());
  });

  test("the gateway codes the properties accept are the ones README.md documents", () => {
    const readme = repoFile("README.md");
    expect(GATEWAY_ERROR_CODES.filter((code) => !readme.includes(`\`${code}\``))).toEqual([]);
  });

  const callers = fc.oneof(
    { weight: 4, arbitrary: fc.constant<CallerName>("a") },
    { weight: 2, arbitrary: fc.constant<CallerName>("b") },
    { weight: 2, arbitrary: fc.constant<CallerName>("admin") },
    { weight: 1, arbitrary: fc.constant<CallerName>("anonymous") },
    { weight: 1, arbitrary: fc.constant<CallerName>("wrongKey") },
  );

  test.each(MUTATIONS)("%s", async (name) => {
    // The state before each call. Re-read (once settled) after a call that succeeded or a run that
    // failed, both of which may have changed it; after a refused call it is still the state.
    let before: VisibleState | null = null;
    let reachedResolver = 0;

    await fc.assert(
      fc.asyncProperty(callers, mutationCallArbitrary(schema, name, known), async (caller, call) => {
        const expected = before ?? (await state.settled());
        before = null;

        const response = await postGraphQL(gateway.gateway.url, { ...call }, keys[caller]);
        expect(answerProblems(response)).toEqual([]);

        const data = (response.json as { data?: Record<string, unknown> | null } | undefined)?.data;
        const resolverErrors = graphqlErrorsOf(response).filter(
          (error) => (error as { path?: unknown }).path,
        );
        if (data?.[name] != null || resolverErrors.length) reachedResolver++;
        if (data?.[name] != null) return;

        // Refused: with GraphQL errors, or (a body fastify would not parse: JSON with "__proto__") a 4xx.
        const refused = graphqlErrorsOf(response).length > 0 || response.status >= 400;
        expect(refused, `neither data nor an error: HTTP ${response.status} ${response.text}`).toBe(true);
        const after = await state.read();
        expect(after, "a refused call changed what users see").toEqual(expected);
        before = after;
      }),
      { numRuns: RUNS_PER_MUTATION },
    );
    // Not a degenerate generator: a good share of the calls got past GraphQL's own input checks.
    expect(reachedResolver).toBeGreaterThan(RUNS_PER_MUTATION / 10);
  });
});
