import fc from "fast-check";
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Tenant } from "../e2e/support/scenario.ts";
import { startTestGateway, type TestGateway } from "../e2e/support/testGateway.ts";
import { answerProblems, errorProblems, graphqlErrorsOf } from "./support/answerProblems.ts";
import {
  attackDocumentArbitrary,
  printedDocumentArbitrary,
  rawTextArbitrary,
  tokenSoupArbitrary,
  type Vocabulary,
  variablesArbitrary,
  vocabularyOf,
} from "./support/documentArbitraries.ts";
import { hostileStringArbitrary } from "./support/hostileValues.ts";
import {
  ORDERLY_CLOSE_CODES,
  type ProtocolMessage,
  RawGraphqlWsSocket,
  type SubscribeOutcome,
} from "./support/rawGraphqlWs.ts";
import { getGraphQL, postGraphQL, postRaw } from "./support/rawHttp.ts";

// Property: whatever document a client sends (noise, the schema's words in any order, printed ASTs
// right and wrong, the classic attacks), over POST, GET or graphql-ws, the gateway answers below 500
// with documented error codes only, never INTERNAL_SERVER_ERROR, and keeps serving: a normal query
// works after each run, and a fresh socket works at the end. The gateway runs with its default query
// limits, which are part of what is tested; only the rate limiter is off (it would answer instead).

/** PROPERTY_RUNS=1000 for a longer hunt; the default keeps the file well under a minute. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

type CallerName = "tenant" | "admin" | "anonymous";

interface KnownRequest {
  query: string;
  operationName?: string;
}

/**
 * Requests the properties below found to break this gateway (and the nested object, their sibling),
 * run every time, as a property may or may not draw them again:
 * - lists nested deeper than graphql-js's recursive parser has stack for, within the token limit's
 *   reach or just past it: the stack may overflow before the token limit stops the parse;
 * - an operationName the document has no operation of, and several operations with none named:
 *   Apollo resolves no operation, and a plugin must cope with that;
 * - a subscription whose selection has @include or @skip without `if`: graphql-js's
 *   SingleFieldSubscriptionsRule throws from validation instead of reporting an error.
 */
const KNOWN_REQUESTS: Record<string, KnownRequest> = {
  "a list nested 1,990 deep": { query: `{ chains(x: ${"[".repeat(1_990)}1${"]".repeat(1_990)}) { id } }` },
  "a list nested 3,000 deep": { query: `{ chains(x: ${"[".repeat(3_000)}1${"]".repeat(3_000)}) { id } }` },
  "an object nested 3,000 deep": {
    query: `{ chains(x: ${"{a: ".repeat(3_000)}1${"}".repeat(3_000)}) { id } }`,
  },
  "an operationName of no operation": { query: "{ __typename }", operationName: "Nope" },
  "an empty operationName": { query: "query Q { __typename }", operationName: "" },
  "two operations and no operationName": { query: "query A { __typename } query B { __typename }" },
  "a subscription with @include without if": { query: "subscription { ... @include { __typename } }" },
};

/** Messages only the server sends (graphql-transport-ws), sent by a client. */
const SERVER_MESSAGES = [
  '{"type":"connection_ack"}',
  '{"type":"next","id":"1","payload":{"data":null}}',
  '{"type":"error","id":"1","payload":[{"message":"x"}]}',
];

describe("random GraphQL documents never break the gateway", () => {
  let gateway: TestGateway;
  let tenant: Tenant;
  let vocabulary: Vocabulary;
  let keys: Record<CallerName, string | undefined>;
  let documents: fc.Arbitrary<string>;

  beforeAll(async () => {
    gateway = await startTestGateway({ GATEWAY_RATE_LIMIT: "off" });
    tenant = await gateway.newTenant("Acme");
    vocabulary = vocabularyOf(
      buildClientSchema(await gateway.admin.data<IntrospectionQuery>(getIntrospectionQuery())),
    );
    keys = { tenant: tenant.apiKey, admin: gateway.adminKey, anonymous: undefined };
    documents = fc.oneof(
      rawTextArbitrary,
      tokenSoupArbitrary(vocabulary),
      { weight: 2, arbitrary: printedDocumentArbitrary(vocabulary) },
      { weight: 2, arbitrary: attackDocumentArbitrary },
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const callers = fc.constantFrom<CallerName>("tenant", "admin", "anonymous");
  const operationNames = fc.option(fc.oneof(fc.constantFrom("Op", "Other", "Q0"), hostileStringArbitrary), {
    nil: undefined,
  });

  /** A normal query still gets its answer: the run left the gateway serving. */
  async function stillServing(): Promise<void> {
    const { data } = await tenant.request<{ viewer: { id: string } }>("{ viewer { id } }");
    expect(data?.viewer.id).toBe(tenant.tenantId);
  }

  // First, while the parser is cold: its frames are larger before the JIT optimizes it, which is
  // when a deep list overflows the stack before the token limit stops the parse.
  describe.each(Object.entries(KNOWN_REQUESTS))("%s", (_name, request) => {
    test("over POST and GET: a refusal below 500 with a documented code", async () => {
      const params = { ...request };
      for (const response of [
        await postGraphQL(gateway.gateway.url, params, tenant.apiKey),
        await getGraphQL(gateway.gateway.url, params, { apiKey: tenant.apiKey }),
      ]) {
        expect(answerProblems(response)).toEqual([]);
        expect(graphqlErrorsOf(response).length || response.status >= 400).toBeTruthy();
      }
      await stillServing();
    });

    test("over graphql-ws: that operation's error, and the socket stays open", async () => {
      const socket = await RawGraphqlWsSocket.open(gateway.gateway.wsUrl, tenant.apiKey);
      try {
        const outcome = await socket.subscribe(request);
        expect(outcome.closed).toBeUndefined();
        expect(outcomeProblems(outcome)).toEqual([]);
        expect(outcome.messages[0]?.type).toBe("error");
      } finally {
        socket.close();
      }
    });
  });

  // graphql-ws itself throws on these (its adapter answered 4500 with a stack on stderr): the
  // gateway's adapter closes such a socket as a bad request before graphql-ws sees the message.
  test.each(SERVER_MESSAGES)(
    "graphql-ws: a client sending %s gets its socket closed with 4400",
    async (frame) => {
      for (const handshake of [true, false]) {
        const socket = await RawGraphqlWsSocket.open(gateway.gateway.wsUrl, tenant.apiKey, { handshake });
        try {
          socket.sendRaw(frame);
          const closed = await socket.closedWithin(10_000);
          expect(closed === "open" ? closed : closed.code, JSON.stringify(closed)).toBe(4400);
        } finally {
          socket.close();
        }
      }
      await stillServing();
    },
  );

  test("POST: any document, variables and operationName", async () => {
    await fc.assert(
      fc.asyncProperty(
        callers,
        documents,
        fc.option(variablesArbitrary, { nil: undefined }),
        operationNames,
        async (caller, query, variables, operationName) => {
          const response = await postGraphQL(
            gateway.gateway.url,
            { query, variables, operationName },
            keys[caller],
          );
          expect(answerProblems(response)).toEqual([]);
          await stillServing();
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("POST: any body, as JSON or not, of any content type", async () => {
    const bodies = fc.oneof(
      rawTextArbitrary,
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify({ query: value })),
      fc
        .record(
          { query: documents, variables: variablesArbitrary, extensions: fc.jsonValue() },
          { requiredKeys: [] },
        )
        .map((request) => JSON.stringify(request)),
      fc.jsonValue().map((value) => JSON.stringify([{ query: "{ __typename }" }, value])),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => new Uint8Array(bytes)),
      // Invalid UTF-8 inside an otherwise valid request.
      fc.constant(
        new Uint8Array([
          ...Buffer.from('{"query":"{ account(id: \\"'),
          0xff,
          0xfe,
          0xed,
          0xa0,
          0x80,
          ...Buffer.from('\\") { id } }"}'),
        ]),
      ),
    );
    const contentTypes = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-16",
      "application/graphql",
      "application/graphql-response+json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "multipart/form-data; boundary=x",
    );
    await fc.assert(
      fc.asyncProperty(callers, bodies, contentTypes, async (caller, body, contentType) => {
        const response = await postRaw(gateway.gateway.url, body, { apiKey: keys[caller], contentType });
        expect(answerProblems(response)).toEqual([]);
        await stillServing();
      }),
      { numRuns: RUNS },
    );
  });

  test("GET: any document and parameters in the query string", async () => {
    await fc.assert(
      fc.asyncProperty(
        callers,
        documents,
        fc.option(
          fc.oneof(
            variablesArbitrary.map((variables) => JSON.stringify(variables)),
            hostileStringArbitrary,
          ),
          { nil: undefined },
        ),
        operationNames,
        fc.option(fc.oneof(fc.json(), hostileStringArbitrary), { nil: undefined }),
        fc.boolean(),
        async (caller, query, variables, operationName, extensions, preflight) => {
          const params: Record<string, string> = { query };
          if (variables !== undefined) params.variables = variables;
          if (operationName !== undefined) params.operationName = operationName;
          if (extensions !== undefined) params.extensions = extensions;
          const response = await getGraphQL(gateway.gateway.url, params, { apiKey: keys[caller], preflight });
          expect(answerProblems(response)).toEqual([]);
          await stillServing();
        },
      ),
      { numRuns: RUNS },
    );
  });

  /** What is wrong with what a subscribe got: undocumented codes, or a socket closed by an error of the server. */
  function outcomeProblems({ messages, closed }: SubscribeOutcome): string[] {
    const problems: string[] = [];
    for (const message of messages) problems.push(...messageProblems(message));
    // A message over the size limit (1009) or not a valid subscribe message (4400: variables that
    // are no object) may close its socket; an error inside the server (4500, 1011) may not.
    if (closed && !ORDERLY_CLOSE_CODES.has(closed.code)) {
      problems.push(`the socket closed with ${JSON.stringify(closed)}`);
    }
    return problems;
  }

  function messageProblems(message: ProtocolMessage): string[] {
    if (message.type === "error")
      return errorProblems(Array.isArray(message.payload) ? message.payload : [message.payload]);
    if (message.type === "next") {
      const { errors } = (message.payload ?? {}) as { errors?: unknown[] };
      return errorProblems(errors ?? []);
    }
    if (message.type === "complete") return [];
    return [`an unexpected message: ${JSON.stringify(message).slice(0, 500)}`];
  }

  test("graphql-ws: a subscribe with any document and variables", async () => {
    const sockets: Partial<Record<"tenant" | "admin", RawGraphqlWsSocket>> = {};
    const socketOf = async (caller: "tenant" | "admin") => {
      const open = sockets[caller];
      if (open && !open.closed) return open;
      sockets[caller] = await RawGraphqlWsSocket.open(gateway.gateway.wsUrl, keys[caller]);
      return sockets[caller];
    };
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<"tenant" | "admin">("tenant", "admin"),
          documents,
          fc.option(variablesArbitrary, { nil: undefined }),
          operationNames,
          async (caller, query, variables, operationName) => {
            const socket = await socketOf(caller);
            const outcome = await socket.subscribe({ query, variables, operationName });
            expect(outcomeProblems(outcome)).toEqual([]);
            await stillServing();
          },
        ),
        { numRuns: RUNS },
      );
    } finally {
      for (const socket of Object.values(sockets)) socket.close();
    }
  });

  test("graphql-ws: any frame at all, before or after the handshake, closes at most that socket", async () => {
    const frames = fc.oneof(
      rawTextArbitrary,
      fc.json(),
      fc.jsonValue().map((payload) => JSON.stringify({ type: "subscribe", id: "1", payload })),
      // Messages of the protocol's shape, of every type (the server's own too) and none.
      {
        weight: 3,
        arbitrary: fc
          .record(
            {
              type: fc.oneof(
                fc.constantFrom(
                  "subscribe",
                  "next",
                  "complete",
                  "ping",
                  "pong",
                  "connection_init",
                  "connection_ack",
                  "error",
                ),
                hostileStringArbitrary,
              ),
              id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
              payload: fc.jsonValue(),
            },
            { requiredKeys: ["type"] },
          )
          .map((message) => JSON.stringify(message)),
      },
      fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(frames, { minLength: 1, maxLength: 4 }),
        async (handshake, sent) => {
          const socket = await RawGraphqlWsSocket.open(gateway.gateway.wsUrl, tenant.apiKey, { handshake });
          try {
            for (const frame of sent) socket.sendRaw(frame);
            const closed = await socket.closedWithin(100);
            if (closed !== "open")
              expect(ORDERLY_CLOSE_CODES.has(closed.code), JSON.stringify(closed)).toBe(true);
          } finally {
            socket.close();
          }
          await stillServing();
        },
      ),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  test("at the end, a fresh socket still subscribes and gets blocks", async () => {
    const socket = await RawGraphqlWsSocket.open(gateway.gateway.wsUrl, tenant.apiKey);
    try {
      const { messages } = await socket.subscribe(
        { query: "subscription { chainHeads { chainId height } }" },
        20_000,
      );
      expect(messages[0]?.type).toBe("next");
      expect(messages[0]?.payload).toMatchObject({ data: { chainHeads: { chainId: expect.any(String) } } });
    } finally {
      socket.close();
    }
    await stillServing();
  });
});
