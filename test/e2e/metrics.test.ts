import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "./support/graphqlTestClient.ts";
import { paymentReaching } from "./support/paymentQueries.ts";
import { createAccount, createSubnet, tenantWithAccount } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// GET /metrics of a real gateway, scraped over HTTP as Prometheus does, before and after real
// traffic over HTTP and WebSocket.

const TOKEN = "a-metrics-token-for-the-e2e-test-0123456789";
const CHAIN = "refchain:local";

/** One scrape: each sample by its name and its labels (sorted), e.g. `x_total{a="1",b="2"}`. */
type Samples = Map<string, number>;

const sampleKey = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => `${label}="${value}"`)
    .join(",")}}`;

/** Parses the text exposition format (version 0.0.4): comments skipped, every sample kept. */
function parseSamples(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[label as string] = value as string;
    samples.set(sampleKey(match[1] as string, labels), Number(match[3]));
  }
  return samples;
}

/** A sample's value; 0 when the series does not exist (yet). */
const sampleValue = (samples: Samples, name: string, labels: Record<string, string> = {}) =>
  samples.get(sampleKey(name, labels)) ?? 0;

/** The samples of `name` whose labels include `labels`. */
const seriesOf = (samples: Samples, name: string, labels: Record<string, string>) =>
  [...samples.entries()].filter(
    ([key]) =>
      key.startsWith(`${name}{`) &&
      Object.entries(labels).every(([label, value]) => key.includes(`${label}="${value}"`)),
  );

describe("GET /metrics", () => {
  let gateway: TestGateway;
  let metricsUrl: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ GATEWAY_METRICS_TOKEN: TOKEN });
    metricsUrl = new URL("/metrics", gateway.gateway.url).href;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const scrape = async (): Promise<Samples> => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseSamples(await response.text());
  };

  test("answers only a bearer of GATEWAY_METRICS_TOKEN (401 otherwise), and is absent (404) without one", async () => {
    const anonymous = await fetch(metricsUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await anonymous.text()).not.toContain("gateway_");
    const wrong = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    // The admin key is not a metrics token.
    const admin = await fetch(metricsUrl, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    expect(admin.status).toBe(401);

    // A second gateway in the same process, without a token: its own registry, no route.
    const other = await startTestGateway();
    try {
      const response = await fetch(new URL("/metrics", other.gateway.url), {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(404);
    } finally {
      await other.close();
    }
  });

  test("process metrics, and per chain: whether this process runs its tracker and how far it lags", async () => {
    const samples = await scrape();
    expect(samples.has(sampleKey("process_cpu_user_seconds_total", {}))).toBe(true);
    expect(samples.has(sampleKey("nodejs_eventloop_lag_seconds", {}))).toBe(true);
    // Alone, this gateway leads every chain, so it reports the lag.
    expect(sampleValue(samples, "gateway_chain_tracker_leader", { chain: CHAIN })).toBe(1);
    const lag = samples.get(sampleKey("gateway_chain_head_lag_blocks", { chain: CHAIN }));
    expect(lag).toBeGreaterThanOrEqual(0);
  });

  test("a payment moves the request counter and histogram, gateway_payments_total FINALIZED and the chain call metrics", async () => {
    const { tenant: a, account: payer } = await tenantWithAccount(gateway, "10");
    const b = await gateway.newTenant();
    const payee = await createAccount(b, (await createSubnet(b)).id);
    const before = await scrape();

    const response = await a.request<{ sendPayment: { payment: { id: string; status: string } } }>(
      "mutation Pay($input: SendPaymentInput!) { sendPayment(input: $input) { payment { id status } } }",
      {
        input: {
          fromAccountId: payer.id,
          to: { address: payee.address },
          amount: "1.5",
          idempotencyKey: "metrics-1",
        },
      },
    );
    expect(response.errors).toBeUndefined();
    const id = response.data?.sendPayment.payment.id as string;
    await paymentReaching(a, id, "FINALIZED");
    const after = await scrape();

    const pay = { operation: "Pay", type: "mutation", outcome: "ok" };
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta("gateway_graphql_requests_total", pay)).toBe(1);
    expect(delta("gateway_graphql_request_duration_seconds_count", pay)).toBe(1);
    expect(delta("gateway_graphql_request_duration_seconds_sum", pay)).toBeGreaterThan(0);
    expect(
      delta("gateway_payments_total", { chain: CHAIN, direction: "OUTGOING", status: "FINALIZED" }),
    ).toBe(1);
    // The sender's funds check, signing and broadcast went to the chain.
    for (const method of ["getBalances", "prepareTransfer", "broadcast"]) {
      expect(
        delta("gateway_chain_rpc_duration_seconds_count", { chain: CHAIN, method }),
        method,
      ).toBeGreaterThan(0);
    }
    // B's incoming payment was committed by this gateway too.
    const incoming = seriesOf(after, "gateway_payments_total", { chain: CHAIN, direction: "INCOMING" });
    expect(incoming.length).toBeGreaterThan(0);
  });

  test("refusals are counted with their code; an operation never resolved is labelled unknown", async () => {
    const before = await scrape();
    const tenant = await gateway.newTenant();

    const badKey = await fetch(gateway.gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-a-key" },
      body: JSON.stringify({ query: "query Sneaky { chains { id } }" }),
    });
    expect(badKey.status).toBe(401);
    const unparsable = await tenant.request("query Broken { chains { id ");
    expect(unparsable.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    const unknownToken = await tenant.request(
      `mutation NoSuchToken { createSubnet(input: { name: "x", chainId: "${CHAIN}", asset: { token: "s0000000000000000/NOPE" } }) { subnet { id } } }`,
    );
    const code = unknownToken.errors?.[0]?.extensions?.code as string;
    expect(code).toBe("BAD_USER_INPUT");
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    const unknown = { operation: "unknown", type: "unknown" };
    expect(delta("gateway_graphql_requests_total", { ...unknown, outcome: "UNAUTHENTICATED" })).toBe(1);
    expect(delta("gateway_graphql_requests_total", { ...unknown, outcome: "GRAPHQL_PARSE_FAILED" })).toBe(1);
    expect(
      delta("gateway_graphql_requests_total", { operation: "NoSuchToken", type: "mutation", outcome: code }),
    ).toBe(1);
    // The names of operations that never resolved are not labels.
    expect(seriesOf(after, "gateway_graphql_requests_total", { operation: "Sneaky" })).toEqual([]);
    expect(seriesOf(after, "gateway_graphql_requests_total", { operation: "Broken" })).toEqual([]);
    // The chain was asked for the token, and said there is none.
    const resolveErrors = seriesOf(after, "gateway_chain_rpc_errors_total", {
      chain: CHAIN,
      method: "resolveAsset",
    });
    expect(resolveErrors.map(([key]) => key)).toEqual([
      sampleKey("gateway_chain_rpc_errors_total", {
        chain: CHAIN,
        method: "resolveAsset",
        code: "UNKNOWN_ASSET",
      }),
    ]);
    expect(
      delta("gateway_chain_rpc_errors_total", {
        chain: CHAIN,
        method: "resolveAsset",
        code: "UNKNOWN_ASSET",
      }),
    ).toBe(1);
  });

  test("an open subscription moves the socket and subscription gauges, and they come back down", async () => {
    const tenant = await gateway.newTenant();
    const idle = await scrape();
    expect(sampleValue(idle, "gateway_websocket_connections")).toBe(0);
    expect(sampleValue(idle, "gateway_subscriptions")).toBe(0);

    const client = tenant.ws();
    const errors: unknown[] = [];
    const stop = client.subscribe(
      { query: "subscription Watch { paymentEvents { cursor } }" },
      { next: () => {}, error: (error) => errors.push(error), complete: () => {} },
    );
    const open = await eventually(async () => {
      const samples = await scrape();
      return sampleValue(samples, "gateway_subscriptions") === 1 ? samples : undefined;
    });
    expect(errors).toEqual([]);
    expect(sampleValue(open, "gateway_websocket_connections")).toBe(1);
    expect(
      sampleValue(open, "gateway_graphql_requests_total", {
        operation: "Watch",
        type: "subscription",
        outcome: "ok",
      }),
    ).toBe(1);

    // A query over the same socket, refused: counted with its code when it completes.
    const answer = await new Promise<{ errors?: readonly { extensions?: { code?: unknown } }[] }>(
      (resolve, reject) => {
        client.subscribe(
          { query: 'query Missing { payment(id: "no-such-payment") { id } }' },
          { next: resolve, error: reject, complete: () => {} },
        );
      },
    );
    const missingCode = answer.errors?.[0]?.extensions?.code as string;
    expect(missingCode).toMatch(/^[A-Z_]+$/);
    const afterQuery = await eventually(async () => {
      const samples = await scrape();
      const labels = { operation: "Missing", type: "query", outcome: missingCode };
      return sampleValue(samples, "gateway_graphql_requests_total", labels) === 1 ? samples : undefined;
    });
    expect(sampleValue(afterQuery, "gateway_subscriptions")).toBe(1);

    stop();
    await eventually(async () => {
      const samples = await scrape();
      return sampleValue(samples, "gateway_subscriptions") === 0 ? samples : undefined;
    });
    await client.dispose();
    const closed = await eventually(async () => {
      const samples = await scrape();
      return sampleValue(samples, "gateway_websocket_connections") === 0 ? samples : undefined;
    });
    // Ending it does not count the subscription again.
    expect(
      sampleValue(closed, "gateway_graphql_requests_total", {
        operation: "Watch",
        type: "subscription",
        outcome: "ok",
      }),
    ).toBe(1);
  });
});
