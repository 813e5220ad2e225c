import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { eventually, type GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";
import { firstOutcome } from "./support/wsOutcome.ts";

// graphql-ws connection limits over real sockets: the connection_init deadline, live subscriptions
// per socket and per tenant, and the largest message.

const INIT_TIMEOUT_MS = 300;
const MAX_BODY_BYTES = 10_000;
const HEADS = "subscription { chainHeads { chainId height } }";

interface Live {
  /** Results so far. */
  results: unknown[];
  errors: unknown[];
  stop(): void;
}

/** Starts a subscription and keeps what it gets. */
function live(client: Client, query = HEADS): Live {
  const results: unknown[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe(
    { query },
    { next: (result) => results.push(result), error: (error) => errors.push(error), complete: () => {} },
  );
  return { results, errors, stop };
}

/** Waits until `subscription` has more results than it had; a subscription that stopped never does. */
const moreResults = async (subscription: Live) => {
  const had = subscription.results.length;
  await eventually(async () => (subscription.results.length > had ? true : undefined));
  expect(subscription.errors).toEqual([]);
};

/** A raw socket speaking graphql-transport-ws, and how it closed. */
function rawSocket(url: string): { socket: WebSocket; opened: Promise<void>; closed: Promise<number> } {
  const socket = new WebSocket(url, "graphql-transport-ws");
  return {
    socket,
    opened: new Promise((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    }),
    closed: new Promise((resolve) => socket.once("close", (code) => resolve(code))),
  };
}

/** Sends connection_init with `apiKey` and waits for connection_ack. */
async function initialise(socket: WebSocket, apiKey: string): Promise<void> {
  const acked = new Promise<void>((resolve, reject) => {
    socket.once("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === "connection_ack") resolve();
      else reject(new Error(`expected connection_ack, got ${String(data)}`));
    });
  });
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${apiKey}` } }));
  await acked;
}

const subnetCount = async (tenant: GraphQLTestClient) =>
  (
    await tenant.data<{ viewer: { subnets: { edges: unknown[] } } }>(
      "{ viewer { subnets { edges { cursor } } } }",
    )
  ).viewer.subnets.edges.length;

describe("graphql-ws limits", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      GATEWAY_WS_INIT_TIMEOUT_MS: String(INIT_TIMEOUT_MS),
      GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: "2",
      GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT: "3",
      GATEWAY_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("a socket that never sends connection_init is closed with 4408; one that does stays open", async () => {
    const silent = rawSocket(gateway.gateway.wsUrl);
    await silent.opened;
    expect(await silent.closed).toBe(4408);

    const tenant = await gateway.newTenant();
    const prompt = rawSocket(gateway.gateway.wsUrl);
    await prompt.opened;
    await initialise(prompt.socket, tenant.apiKey);
    // Well past the deadline, the socket still answers.
    await new Promise((resolve) => setTimeout(resolve, INIT_TIMEOUT_MS * 3));
    const answered = new Promise<unknown>((resolve) =>
      prompt.socket.once("message", (data) => resolve(JSON.parse(String(data)))),
    );
    prompt.socket.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ viewer { id } }" } }),
    );
    expect(await answered).toEqual({
      id: "1",
      type: "next",
      payload: { data: { viewer: { id: tenant.tenantId } } },
    });
    prompt.socket.close();
    await prompt.closed;
  });

  test("the third subscription on a socket is refused; the two keep running, queries still run, and a freed slot is reused", async () => {
    const tenant = await gateway.newTenant();
    const socket = tenant.ws();
    try {
      const first = live(socket);
      const second = live(socket);
      await moreResults(first);
      await moreResults(second);

      const refused = await firstOutcome(socket, HEADS);
      expect(refused.errors).toEqual([
        {
          message: expect.stringContaining("GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET"),
          extensions: { code: "BAD_USER_INPUT", limit: "subscriptionsPerSocket" },
        },
      ]);
      await moreResults(first);
      await moreResults(second);
      // A query holds no slot.
      expect(await firstOutcome(socket, "{ viewer { id } }")).toEqual({
        data: { viewer: { id: tenant.tenantId } },
      });

      first.stop();
      // The slot is given back once the server has ended the subscription.
      const third = await eventually(async () => {
        const outcome = await firstOutcome(socket, HEADS);
        return outcome.data ? outcome : undefined;
      });
      expect(third.data).toEqual({ chainHeads: { chainId: "refchain:local", height: expect.any(String) } });
      second.stop();
    } finally {
      await socket.dispose();
    }
  });

  test("a tenant's fourth subscription over all its sockets is refused; other tenants are not; closing a socket frees its slots", async () => {
    const tenant = await gateway.newTenant();
    const other = await gateway.newTenant();
    const a = tenant.ws();
    const b = tenant.ws();
    const elsewhere = other.ws();
    try {
      const running = [live(a), live(a), live(b)];
      for (const subscription of running) await moreResults(subscription);

      const refused = await firstOutcome(b, HEADS);
      expect(refused.errors).toEqual([
        {
          message: expect.stringContaining("GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT"),
          extensions: { code: "BAD_USER_INPUT", limit: "subscriptionsPerTenant" },
        },
      ]);
      await moreResults(running[2] as Live);
      expect((await firstOutcome(elsewhere, HEADS)).data).toBeDefined();

      await a.dispose();
      const freed = await eventually(async () => {
        const outcome = await firstOutcome(b, HEADS);
        return outcome.data ? outcome : undefined;
      });
      expect(freed.data).toBeDefined();
    } finally {
      await Promise.all([a.dispose(), b.dispose(), elsewhere.dispose()]);
    }
  });

  test("a message over GATEWAY_MAX_BODY_BYTES closes the socket (1009) and runs nothing", async () => {
    const tenant = await gateway.newTenant();
    const raw = rawSocket(gateway.gateway.wsUrl);
    await raw.opened;
    await initialise(raw.socket, tenant.apiKey);
    const mutation =
      'mutation { createSubnet(input: { name: "big", chainId: "refchain:local" }) { subnet { id } } }';
    raw.socket.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: mutation, variables: { padding: "x".repeat(MAX_BODY_BYTES) } },
      }),
    );
    expect(await raw.closed).toBe(1009);
    expect(await subnetCount(tenant)).toBe(0);

    // The same mutation, small enough, runs: the size decided.
    const socket = tenant.ws();
    try {
      expect((await firstOutcome(socket, mutation, { padding: "x" })).errors).toBeUndefined();
    } finally {
      await socket.dispose();
    }
    expect(await subnetCount(tenant)).toBe(1);
  });
});
