import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { codesOf } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

describe("the gateway's front door", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("{ __typename } and introspection answer without a key; everything else is UNAUTHENTICATED", async () => {
    expect((await gateway.anonymous.request("{ __typename }")).data).toEqual({ __typename: "Query" });
    const introspection = await gateway.anonymous.request<{ __schema: { queryType: { name: string } } }>(
      "{ __schema { queryType { name } } }",
    );
    expect(introspection.data?.__schema.queryType.name).toBe("Query");
    for (const query of ["{ viewer { id } }", "{ chains { id } }", "{ tenants { edges { node { id } } } }"]) {
      expect(codesOf(await gateway.anonymous.request(query))).toEqual(["UNAUTHENTICATED"]);
    }
  });

  test("a wrong key is UNAUTHENTICATED (HTTP 401), also for __typename", async () => {
    const response = await fetch(gateway.gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer vg_not-a-key" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });

  test("tenants and createTenant are for the admin key only; a tenant key gets FORBIDDEN", async () => {
    const tenant = await gateway.newTenant("Initech");
    expect(codesOf(await tenant.request("{ tenants { edges { node { id } } } }"))).toEqual(["FORBIDDEN"]);
    expect(
      codesOf(await tenant.request('mutation { createTenant(input: { name: "x" }) { apiKey } }')),
    ).toEqual(["FORBIDDEN"]);
    const { tenants } = await gateway.admin.data<{ tenants: { edges: { node: { id: string } }[] } }>(
      "{ tenants(first: 100) { edges { node { id } } } }",
    );
    expect(tenants.edges.map((edge) => edge.node.id)).toContain(tenant.tenantId);
    const { viewer } = await tenant.data<{ viewer: { id: string; name: string } }>("{ viewer { id name } }");
    expect(viewer).toEqual({ id: tenant.tenantId, name: "Initech" });
  });

  test("GET /graphql and GET / serve the explorer to a browser; GET /graphql runs GET queries otherwise", async () => {
    const base = gateway.gateway.url.replace(/\/graphql$/, "");
    for (const url of [gateway.gateway.url, `${base}/`]) {
      const page = await fetch(url, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).toContain("text/html");
      // GraphiQL, or (on a checkout where dist/explorer was never built) the page saying how to build it.
      expect(await page.text()).toMatch(/<title>value-gateway explorer|npm run build:explorer/);
    }
    const get = await fetch(`${gateway.gateway.url}?query=${encodeURIComponent("{ __typename }")}`, {
      // Apollo's CSRF prevention wants a non-simple header on GET: any client library sends one.
      headers: { accept: "application/graphql-response+json", "content-type": "application/json" },
    });
    expect(await get.json()).toEqual({ data: { __typename: "Query" } });
  });

  test("with GATEWAY_EXPLORER=off there is no explorer: GET /graphql is only GraphQL over HTTP", async () => {
    const quiet = await startTestGateway({ GATEWAY_EXPLORER: "off" });
    try {
      const base = quiet.gateway.url.replace(/\/graphql$/, "");
      expect((await fetch(`${base}/`, { headers: { accept: "text/html" } })).status).toBe(404);
      const page = await fetch(quiet.gateway.url, { headers: { accept: "text/html" } });
      expect(page.status).toBe(400);
      expect(page.headers.get("content-type")).not.toContain("text/html");
    } finally {
      await quiet.close();
    }
  });

  test("a subscription sent over HTTP is BAD_USER_INPUT (HTTP 400) saying to use graphql-ws", async () => {
    const tenant = await gateway.newTenant();
    const response = await tenant.request("subscription { chainHeads { height } }");
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors?.[0]?.message).toMatch(/WebSocket \(graphql-ws\)/);
  });

  test("/healthz and /readyz", async () => {
    const base = gateway.gateway.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { "refchain:local": "following", store: "ok" },
    });
  });

  test("chains lists refchain with its native asset and a head", async () => {
    const tenant = await gateway.newTenant();
    const { chains } = await tenant.data<{
      chains: {
        id: string;
        kind: string;
        head: string;
        healthy: boolean;
        nativeAsset: { symbol: string; decimals: number };
      }[];
    }>(
      "{ chains { id kind head healthy confirmationsToFinality minimumBalance nativeAsset { symbol decimals } } }",
    );
    expect(chains).toHaveLength(1);
    expect(chains[0]).toMatchObject({
      id: "refchain:local",
      kind: "REFCHAIN",
      healthy: true,
      confirmationsToFinality: 1,
      minimumBalance: "0",
      nativeAsset: { symbol: "REF", decimals: 9 },
    });
    expect(BigInt(chains[0]?.head ?? "-1")).toBeGreaterThanOrEqual(0n);
  });

  test("a WebSocket without a valid key is closed with 4401", async () => {
    for (const connectionParams of [{}, { authorization: "Bearer vg_wrong" }]) {
      const socket = new WebSocket(gateway.gateway.wsUrl, "graphql-transport-ws");
      const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
      socket.on("open", () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: connectionParams })),
      );
      expect(await closed).toBe(4401);
    }
  });
});
