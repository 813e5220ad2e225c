import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getIntrospectionQuery, Kind, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EXAMPLE_TABS } from "../../src/explorer/exampleOperations.ts";
import type { GraphQLResponse, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";
import { firstOutcome } from "./support/wsOutcome.ts";

// Query limits over real HTTP and graphql-ws. Each over-limit document below is a createSubnet
// mutation: had any resolver of it run, the tenant would have a subnet. That no subnet appears is the
// proof that a refused operation runs nothing.

const SMALL_LIMITS = {
  GATEWAY_MAX_QUERY_DEPTH: "6",
  GATEWAY_MAX_QUERY_COST: "100",
  GATEWAY_MAX_QUERY_ALIASES: "3",
  GATEWAY_MAX_QUERY_DIRECTIVES: "3",
  GATEWAY_MAX_QUERY_TOKENS: "150",
};
const PRODUCTION = {
  NODE_ENV: "production",
  GATEWAY_ADMIN_KEY: "an-admin-key-that-is-long-enough-0123456789",
  GATEWAY_MASTER_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

const CREATE = 'createSubnet(input: { name: "refused", chainId: "refchain:local" })';
type Kind_ = "depth" | "cost" | "aliases" | "directives" | "tokens";
/** One document over each limit (and within the others), with its variables. */
const OVER: Record<Kind_, { query: string; variables?: Record<string, unknown> }> = {
  // createSubnet, subnet, tenant, subnets, edges, node, tenant, id: 8 levels.
  depth: {
    query: `mutation { ${CREATE} { subnet { tenant { subnets { edges { node { tenant { id } } } } } } } }`,
  },
  // 100 accounts × (edge + cursor): about 300. The page size comes in a variable.
  cost: {
    query: `mutation ($first: Int) { ${CREATE} { subnet { accounts(first: $first) { edges { cursor } } } } }`,
    variables: { first: 100 },
  },
  // The alias bomb: the same mutation four times under four names.
  aliases: {
    query: `mutation { a: ${CREATE} { subnet { id } } b: ${CREATE} { subnet { id } } c: ${CREATE} { subnet { id } } d: ${CREATE} { subnet { id } } }`,
  },
  directives: {
    query: `mutation { ${CREATE} { subnet { id @include(if: true) name @include(if: true) chain @include(if: true) { id } asset @include(if: true) { id } } } }`,
  },
  tokens: { query: `mutation { ${CREATE} { subnet { ${"id ".repeat(150)} } } }` },
};
const KINDS = Object.keys(OVER) as Kind_[];

const subnetNames = async (tenant: GraphQLTestClient) => {
  const { viewer } = await tenant.data<{ viewer: { subnets: { edges: { node: { name: string } }[] } } }>(
    "{ viewer { subnets { edges { node { name } } } } }",
  );
  return viewer.subnets.edges.map((edge) => edge.node.name);
};

/** A refusal for `limit`: HTTP 400, no data, one BAD_USER_INPUT error naming the limit. */
function expectRefusedOverHttp(response: GraphQLResponse<unknown>, limit: string) {
  expect(response.status).toBe(400);
  expect(response.data ?? null).toBeNull();
  expect(response.errors).toEqual([
    { message: expect.any(String), extensions: { code: "BAD_USER_INPUT", limit } },
  ]);
}

describe("query limits (dev: small limits, refusals say them)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(SMALL_LIMITS);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test.each(KINDS)(
    "over HTTP, a document over the %s limit is refused with 400 and runs nothing",
    async (kind) => {
      const tenant = await gateway.newTenant();
      const response = await tenant.request(OVER[kind].query, OVER[kind].variables);
      expectRefusedOverHttp(response, kind);
      expect(response.errors?.[0]?.message).toContain(`(GATEWAY_MAX_QUERY_${kind.toUpperCase()})`);
      expect(await subnetNames(tenant)).toEqual([]);
    },
  );

  test.each(KINDS)(
    "over graphql-ws, a document over the %s limit gets an error, runs nothing, and the socket stays open",
    async (kind) => {
      const tenant = await gateway.newTenant();
      const socket = tenant.ws();
      try {
        const refused = await firstOutcome(socket, OVER[kind].query, OVER[kind].variables);
        expect(refused.data ?? null).toBeNull();
        expect(refused.errors).toEqual([
          {
            message: expect.stringContaining("GATEWAY_MAX_QUERY_"),
            extensions: { code: "BAD_USER_INPUT", limit: kind },
          },
        ]);
        // Same socket, next operation: served.
        expect(await firstOutcome(socket, "{ viewer { id } }")).toEqual({
          data: { viewer: { id: tenant.tenantId } },
        });
      } finally {
        await socket.dispose();
      }
      expect(await subnetNames(tenant)).toEqual([]);
    },
  );

  test("the cost counts the page size the variables ask for: the same mutation with first: 1 runs", async () => {
    const tenant = await gateway.newTenant();
    expectRefusedOverHttp(await tenant.request(OVER.cost.query, { first: 100 }), "cost");
    // A page size left out counts as the default page (20): about 60, within 100.
    expect((await tenant.request(OVER.cost.query, {})).errors).toBeUndefined();
    expect((await tenant.request(OVER.cost.query, { first: 1 })).errors).toBeUndefined();
    expect(await subnetNames(tenant)).toEqual(["refused", "refused"]);
  });

  test("the limits hold for GET and for the admin key too", async () => {
    const deep = "{ viewer { subnets { edges { node { tenant { subnets { edges { node { id } } } } } } } } }";
    const response = await fetch(`${gateway.gateway.url}?query=${encodeURIComponent(deep)}`, {
      headers: {
        "apollo-require-preflight": "true",
        authorization: `Bearer ${(await gateway.newTenant()).apiKey}`,
      },
    });
    expectRefusedOverHttp(
      { ...((await response.json()) as GraphQLResponse<unknown>), status: response.status },
      "depth",
    );
    expectRefusedOverHttp(await gateway.admin.request(OVER.depth.query), "depth");
  });

  test("a syntax error over graphql-ws is that operation's error; the socket stays open", async () => {
    const tenant = await gateway.newTenant();
    const socket = tenant.ws();
    try {
      const refused = await firstOutcome(socket, "{ viewer { ");
      expect(refused.errors?.[0]?.message).toMatch(/^Syntax Error/);
      expect(await firstOutcome(socket, "{ viewer { id } }")).toEqual({
        data: { viewer: { id: tenant.tenantId } },
      });
    } finally {
      await socket.dispose();
    }
  });

  test("in dev, validation errors keep graphql-js's suggestions (the production test below hides them)", async () => {
    const tenant = await gateway.newTenant();
    const response = await tenant.request("{ viewer { nam } }");
    expect(response.errors?.[0]?.message).toBe(
      'Cannot query field "nam" on type "Tenant". Did you mean "name"?',
    );
    const socket = tenant.ws();
    try {
      const refused = await firstOutcome(socket, "{ viewer { nam } }");
      expect(refused.errors?.[0]?.message).toContain('Did you mean "name"?');
    } finally {
      await socket.dispose();
    }
  });
});

describe("query limits in production (NODE_ENV=production)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ...PRODUCTION, ...SMALL_LIMITS });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("refusals over HTTP and graphql-ws name the limit but reveal no value or variable", async () => {
    const tenant = await gateway.newTenant();
    const socket = tenant.ws();
    try {
      for (const kind of KINDS) {
        const overHttp = await tenant.request(OVER[kind].query, OVER[kind].variables);
        expectRefusedOverHttp(overHttp, kind);
        const overWs = await firstOutcome(socket, OVER[kind].query, OVER[kind].variables);
        expect(overWs.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", limit: kind });
        for (const message of [overHttp.errors?.[0]?.message, overWs.errors?.[0]?.message]) {
          expect(message).toMatch(/^The operation /);
          expect(message).not.toMatch(/\d/);
          expect(message).not.toContain("GATEWAY_");
        }
      }
    } finally {
      await socket.dispose();
    }
    expect(await subnetNames(tenant)).toEqual([]);
  });

  test("validation errors suggest no field names, over HTTP and graphql-ws", async () => {
    const tenant = await gateway.newTenant();
    const response = await tenant.request("{ viewer { nam } }");
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.message).toBe('Cannot query field "nam" on type "Tenant".');
    const socket = tenant.ws();
    try {
      const refused = await firstOutcome(socket, "{ viewer { nam } }");
      expect(refused.errors?.[0]?.message).toBe('Cannot query field "nam" on type "Tenant".');
    } finally {
      await socket.dispose();
    }
  });
});

describe("the default limits", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  /** Every operation the typed client, the explorer's tabs and the explorer's schema query send. */
  function knownOperations(): { name: string; query: string; operationName?: string }[] {
    const dir = join(import.meta.dirname, "../../src/client/operations");
    const files = readdirSync(dir).filter((file) => file.endsWith(".graphql"));
    const texts = files.map((file) => ({ file, text: readFileSync(join(dir, file), "utf8") }));
    const fragments = texts.filter(({ text }) => /^fragment /m.test(text)).map(({ text }) => text);
    const operations = texts
      .filter(({ text }) => /^(query|mutation|subscription)\b/m.test(text))
      // With the fragments it spreads: an unused one would be a validation error.
      .map(({ file, text }) => ({
        name: `client ${file}`,
        query: [text, ...fragments.filter((f) => text.includes(`...${/fragment (\w+)/.exec(f)?.[1]}`))].join(
          "\n",
        ),
      }));
    const tabs = EXAMPLE_TABS.flatMap((tab, index) =>
      parse(tab.query).definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION
          ? [
              {
                name: `explorer tab ${index} ${definition.name?.value}`,
                query: tab.query,
                operationName: definition.name?.value,
              },
            ]
          : [],
      ),
    );
    return [
      ...operations,
      ...tabs,
      {
        name: "introspection",
        query: getIntrospectionQuery({
          descriptions: true,
          inputValueDeprecation: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
        }),
      },
    ];
  }

  test("the typed client's operations, the explorer's tabs and its schema query are within them, pages of 100 included", async () => {
    const tenant = await gateway.newTenant();
    const operations = knownOperations();
    expect(operations.length).toBeGreaterThan(15);
    for (const { name, query, operationName } of operations) {
      const response = await fetch(tenant.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tenant.apiKey}` },
        body: JSON.stringify({ query, operationName, variables: { first: 100 } }),
      });
      const body = (await response.json()) as GraphQLResponse<unknown>;
      // Valid, so the cost was checked too; missing variables (and subscriptions, which HTTP does not
      // run) fail later, for other reasons than a limit.
      const refusals = (body.errors ?? []).filter(
        (error) =>
          error.extensions?.limit !== undefined ||
          error.extensions?.code === "GRAPHQL_VALIDATION_FAILED" ||
          error.extensions?.code === "GRAPHQL_PARSE_FAILED",
      );
      expect(refusals, name).toEqual([]);
    }
  });

  test("a deep query, an alias bomb, three nested 100-item connections and an introspection bomb are refused", async () => {
    const tenant = await gateway.newTenant();
    const nest = (levels: number): string =>
      levels === 0 ? "id" : `tenant { subnets { edges { node { ${nest(levels - 1)} } } } }`;
    // viewer, then 4 levels per step: 17 levels.
    expectRefusedOverHttp(
      await tenant.request(`{ viewer { subnets { edges { node { ${nest(3)} } } } } }`),
      "depth",
    );
    const bomb = Array.from({ length: 31 }, (_, i) => `a${i}: viewer { id }`).join(" ");
    expectRefusedOverHttp(await tenant.request(`{ ${bomb} }`), "aliases");
    const nested =
      "{ viewer { subnets(first: 100) { edges { node { accounts(first: 100) { edges { node { payments(first: 100) { edges { node { id } } } } } } } } } } }";
    expectRefusedOverHttp(await tenant.request(nested), "cost");
    // Introspection is not counted for depth; its lists nested in one another, which multiply the
    // schema at every step, are graphql-js's own validation error.
    const introspectionBomb =
      "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    const refused = await tenant.request(introspectionBomb);
    expect(refused.status).toBe(400);
    expect(refused.errors?.map((error) => error.message)).toEqual(["Maximum introspection depth exceeded"]);
  });
});
