import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// The HTTP front's protections over real HTTP: the body size limit, Apollo's CSRF prevention, CORS
// (off unless configured) and the explorer page's Content-Security-Policy.

const MAX_BODY_BYTES = 10_000;
const CREATE_SUBNET =
  'mutation { createSubnet(input: { name: "sent", chainId: "refchain:local" }) { subnet { id } } }';
const ALLOWED_ORIGIN = "https://app.example.com";

const subnetCount = async (tenant: GraphQLTestClient) =>
  (
    await tenant.data<{ viewer: { subnets: { edges: unknown[] } } }>(
      "{ viewer { subnets { edges { cursor } } } }",
    )
  ).viewer.subnets.edges.length;

/** POST /graphql with `tenant`'s key, the given headers and body as they are. */
const post = (
  tenant: GraphQLTestClient & { apiKey: string },
  body: string,
  headers: Record<string, string>,
) =>
  fetch(tenant.url, {
    method: "POST",
    headers: { authorization: `Bearer ${tenant.apiKey}`, ...headers },
    body,
  });

describe("HTTP protections (dev)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ GATEWAY_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("a body over GATEWAY_MAX_BODY_BYTES is answered 413 with a coded error, and nothing runs", async () => {
    const tenant = await gateway.newTenant();
    const json = { "content-type": "application/json" };
    const oversize = JSON.stringify({
      query: CREATE_SUBNET,
      variables: { padding: "x".repeat(MAX_BODY_BYTES) },
    });
    const response = await post(tenant, oversize, json);
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({
      errors: [
        {
          message: `The request body is larger than ${MAX_BODY_BYTES} bytes (GATEWAY_MAX_BODY_BYTES): send a smaller operation, or smaller variables.`,
          extensions: { code: "BAD_USER_INPUT", limit: "bodyBytes" },
        },
      ],
    });
    expect(await subnetCount(tenant)).toBe(0);

    // The same mutation in a body within the limit runs: the size decided.
    const within = JSON.stringify({
      query: CREATE_SUBNET,
      variables: { padding: "x".repeat(MAX_BODY_BYTES / 2) },
    });
    expect((await post(tenant, within, json)).status).toBe(200);
    expect(await subnetCount(tenant)).toBe(1);
  });

  test("CSRF prevention: a request a browser sends without a preflight is refused and runs nothing", async () => {
    const tenant = await gateway.newTenant();
    const body = JSON.stringify({ query: CREATE_SUBNET });
    // A form or a no-cors fetch can POST text/plain, urlencoded or multipart without a preflight.
    const textPlain = await post(tenant, body, { "content-type": "text/plain" });
    expect(textPlain.status).toBe(400);
    const refusal = (await textPlain.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(refusal.errors[0]?.message).toContain("Cross-Site Request Forgery");
    expect(refusal.errors[0]?.extensions.code).toBe("BAD_REQUEST");
    for (const contentType of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await post(tenant, body, { "content-type": contentType });
      expect(response.status, contentType).toBeGreaterThanOrEqual(400);
      expect(response.status, contentType).toBeLessThan(500);
    }
    expect(await subnetCount(tenant)).toBe(0);

    // A GET query without a header that forces a preflight is refused; with one, it runs.
    const query = `${tenant.url}?query=${encodeURIComponent("{ viewer { id } }")}`;
    const simpleGet = await fetch(query, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toContain("Cross-Site Request Forgery");
    const preflightedGet = await fetch(query, {
      headers: { authorization: `Bearer ${tenant.apiKey}`, "apollo-require-preflight": "true" },
    });
    expect(preflightedGet.status).toBe(200);
    expect(await preflightedGet.json()).toEqual({ data: { viewer: { id: tenant.tenantId } } });

    // What the explorer and every client send, JSON, runs.
    expect((await post(tenant, body, { "content-type": "application/json" })).status).toBe(200);
    expect(await subnetCount(tenant)).toBe(1);
  });

  test("CORS is off by default: no Access-Control-Allow-Origin, for a preflight or a request", async () => {
    const tenant = await gateway.newTenant();
    const preflight = await fetch(tenant.url, {
      method: "OPTIONS",
      headers: {
        origin: ALLOWED_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
    const request = await post(tenant, JSON.stringify({ query: "{ viewer { id } }" }), {
      "content-type": "application/json",
      origin: ALLOWED_ORIGIN,
    });
    expect(request.status).toBe(200);
    expect(request.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("the explorer page carries a strict Content-Security-Policy, at / and at /graphql", async () => {
    const origin = new URL(gateway.gateway.url).origin;
    for (const url of [`${origin}/`, gateway.gateway.url]) {
      // 200 when the explorer is built, 503 (a page saying how to build it) when not: the same headers.
      const response = await fetch(url, { headers: { accept: "text/html" } });
      expect([200, 503], url).toContain(response.status);
      const policy = new Map(
        (response.headers.get("content-security-policy") ?? "").split(";").map((directive) => {
          const [name = "", ...values] = directive.trim().split(/\s+/);
          return [name, values.join(" ")] as const;
        }),
      );
      expect(policy.get("default-src"), url).toBe("'none'");
      expect(policy.get("script-src"), url).toBe("'self'");
      expect(policy.get("worker-src"), url).toBe("'self'");
      expect(policy.get("connect-src"), url).toBe("'self'");
      expect(policy.get("base-uri"), url).toBe("'none'");
      expect(policy.get("form-action"), url).toBe("'none'");
      expect(policy.get("frame-ancestors"), url).toBe("'none'");
      // No script from a string or inline, nothing from another origin (data: only for fonts and
      // images). Inline styles are allowed: Monaco, the editor, sets them.
      for (const [name, value] of policy) {
        expect(value, `${url} ${name}`).not.toMatch(/unsafe-eval|unsafe-hashes|\*|https?:|wss?:|blob:/);
        if (name !== "style-src") expect(value, `${url} ${name}`).not.toContain("'unsafe-inline'");
        if (name !== "font-src" && name !== "img-src") expect(value, `${url} ${name}`).not.toContain("data:");
      }
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });
});

describe("CORS with GATEWAY_CORS_ORIGINS", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ GATEWAY_CORS_ORIGINS: `${ALLOWED_ORIGIN},http://localhost:5173` });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });

  test("a listed origin gets its preflight and its responses; another origin gets no Access-Control-Allow-Origin", async () => {
    const tenant = await gateway.newTenant();
    const allowed = await preflight(tenant.url, ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();

    const response = await post(tenant, JSON.stringify({ query: "{ viewer { id } }" }), {
      "content-type": "application/json",
      origin: ALLOWED_ORIGIN,
    });
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(response.headers.get("vary")).toContain("Origin");

    const stranger = await preflight(tenant.url, "https://evil.example");
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    const strangerRequest = await post(tenant, JSON.stringify({ query: "{ viewer { id } }" }), {
      "content-type": "application/json",
      origin: "https://evil.example",
    });
    expect(strangerRequest.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("HTTP protections in production", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      NODE_ENV: "production",
      GATEWAY_ADMIN_KEY: "an-admin-key-that-is-long-enough-0123456789",
      GATEWAY_MASTER_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      GATEWAY_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("the 413 does not reveal the limit", async () => {
    const tenant = await gateway.newTenant();
    const response = await post(
      tenant,
      JSON.stringify({ query: CREATE_SUBNET, padding: "x".repeat(MAX_BODY_BYTES) }),
      {
        "content-type": "application/json",
      },
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: "The request body is too large: send a smaller operation, or smaller variables.",
          extensions: { code: "BAD_USER_INPUT", limit: "bodyBytes" },
        },
      ],
    });
  });
});
