import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { KeyPair } from "../chain/keys.ts";
import { RefchainNode } from "../chain/node.ts";
import { RefchainClient } from "../client/refchainClient.ts";
import { rpcTransport } from "../client/rpcTransport.ts";
import { RpcErrorCode } from "./rpcError.ts";
import { type RefchainServer, startRefchainServer } from "./server.ts";

const MAX_BODY = 64 * 1024;

/** A response or message as it arrives, before the test looks into it. */
type Message = {
  jsonrpc: "2.0";
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

describe("refchain JSON-RPC server", () => {
  let dataDir: string;
  let node: RefchainNode;
  let server: RefchainServer;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "refchain-rpc-"));
    node = RefchainNode.open({ dataDir, blockTimeMs: 3_600_000, verifierThreads: 1 });
    server = await startRefchainServer({ node, port: 0, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await server?.close();
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const call = (method: string, params?: unknown, id: unknown = 1) =>
    post(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  /** The server still answers a plain request correctly. */
  const stillServing = async () => {
    const { status, body } = await call("refchain_head", [], "after");
    expect(status).toBe(200);
    expect(body).toMatchObject({ jsonrpc: "2.0", id: "after", result: { chainId: "refchain:local" } });
  };
  const openSocket = async () => {
    const ws = new WebSocket(server.wsUrl);
    sockets.push(ws);
    await once(ws, "open");
    return ws;
  };
  const exchange = (ws: WebSocket, text: string) =>
    new Promise<Message>((resolve) => {
      ws.once("message", (data) => resolve(JSON.parse(data.toString())));
      ws.send(text);
    });

  describe("over HTTP", () => {
    test("malformed JSON answers -32700 Parse error", async () => {
      const { status, body } = await post('{"jsonrpc":"2.0","id":1,"method":');
      expect(status).toBe(200);
      expect(body).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: RpcErrorCode.ParseError, message: expect.stringContaining("not valid JSON") },
      });
      await stillServing();
    });

    test("a body that is not a request object, or lacks a method, answers -32600 Invalid Request", async () => {
      for (const payload of [
        "42",
        '"refchain_head"',
        "null",
        '{"jsonrpc":"2.0","id":7}',
        '{"jsonrpc":"1.0","id":7,"method":"refchain_head"}',
        "[]",
      ]) {
        const { body } = await post(payload);
        expect(body, payload).toMatchObject({
          jsonrpc: "2.0",
          error: { code: RpcErrorCode.InvalidRequest, message: expect.stringContaining("Invalid Request") },
        });
      }
      expect((await post('{"jsonrpc":"2.0","id":7}')).body).toMatchObject({
        id: 7,
        error: { message: expect.stringContaining("method") },
      });
      await stillServing();
    });

    test("an unknown method answers -32601 naming it, including names of Object.prototype", async () => {
      for (const method of ["refchain_nope", "constructor", "__proto__", "toString"]) {
        const { body } = await call(method, []);
        expect(body).toEqual({
          jsonrpc: "2.0",
          id: 1,
          error: { code: RpcErrorCode.MethodNotFound, message: `Method not found: ${method}` },
        });
      }
      await stillServing();
    });

    test("a parameter of the wrong type answers -32602 saying which one", async () => {
      const address = KeyPair.generate().address;
      const cases: [string, unknown, string][] = [
        ["refchain_getBalances", ["ref1x"], "params[0] (queries) must be an array of {address, asset}"],
        [
          "refchain_getBalances",
          [[{ address: 5, asset: "REF" }]],
          "params[0][0].address must be a refchain address",
        ],
        ["refchain_getBalances", [[{ address }]], "params[0][0].asset must be an asset id"],
        ["refchain_getNonce", [5], "params[0] (address) must be a refchain address (ref1…); got number 5"],
        ["refchain_getNonce", { address }, "takes positional params [address]"],
        ["refchain_getBlock", [-1], "params[0] (height) must be a height"],
        ["refchain_getBlock", ["1.5"], "params[0] (height) must be a height"],
        [
          "refchain_waitForTransaction",
          ["zz"],
          "params[0] (hash) must be a transaction hash of 64 hex digits",
        ],
        ["refchain_waitForTransaction", ["ab".repeat(32), "10"], "params[1] (timeoutMs) must be an integer"],
        [
          "refchain_requestFaucet",
          [address, 1.5],
          "params[1] (amount) must be a decimal string of base units",
        ],
        [
          "refchain_requestFaucet",
          [address, "1e3"],
          "params[1] (amount) must be a decimal string of base units",
        ],
        ["refchain_sendTransaction", ["xyz"], "params[0] (rawHex) must be hex bytes"],
        ["refchain_head", [1], "takes at most 0 params"],
        ["refchain_getAsset", [null], "params[0] (id) must be a string; got null"],
      ];
      for (const [method, params, message] of cases) {
        const { body } = await call(method, params);
        expect(body, `${method} ${JSON.stringify(params)}`).toEqual({
          jsonrpc: "2.0",
          id: 1,
          error: { code: RpcErrorCode.InvalidParams, message: expect.stringContaining(message) },
        });
        expect(body.error.message).toContain(method);
      }
      await stillServing();
    });

    test("a refusal by the chain answers -32000 with the reason in data.reason", async () => {
      const { body } = await call("refchain_sendTransaction", ["00"]);
      expect(body).toEqual({
        jsonrpc: "2.0",
        id: 1,
        error: {
          code: RpcErrorCode.Rejected,
          message: expect.stringContaining("too short"),
          data: { reason: "MALFORMED" },
        },
      });
      expect((await call("refchain_getNonce", ["ref1qqqqqqqq"])).body.error).toMatchObject({
        code: -32000,
        data: { reason: "BAD_ADDRESS" },
      });
    });

    test("a batch answers each request by its id, skips notifications, and a batch of notifications alone gets 204", async () => {
      const { status, body } = await post(
        JSON.stringify([
          { jsonrpc: "2.0", id: "a", method: "refchain_chainInfo" },
          { jsonrpc: "2.0", method: "refchain_head" },
          { jsonrpc: "2.0", id: "b", method: "refchain_nope" },
          5,
          { jsonrpc: "2.0", id: "c", method: "refchain_getBlock", params: [0] },
        ]),
      );
      expect(status).toBe(200);
      expect(body).toEqual([
        { jsonrpc: "2.0", id: "a", result: expect.objectContaining({ chainId: "refchain:local" }) },
        { jsonrpc: "2.0", id: "b", error: expect.objectContaining({ code: RpcErrorCode.MethodNotFound }) },
        { jsonrpc: "2.0", id: null, error: expect.objectContaining({ code: RpcErrorCode.InvalidRequest }) },
        {
          jsonrpc: "2.0",
          id: "c",
          result: expect.objectContaining({ header: expect.objectContaining({ height: "0" }) }),
        },
      ]);
      const notifications = await post(JSON.stringify([{ jsonrpc: "2.0", method: "refchain_head" }]));
      expect(notifications.status).toBe(204);
    });

    test("a body over the limit answers HTTP 413 with a JSON-RPC error, without taking the server down", async () => {
      const oversize = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "refchain_head",
        params: ["x".repeat(MAX_BODY)],
      });
      const { status, body } = await post(oversize);
      expect(status).toBe(413);
      expect(body).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: RpcErrorCode.InvalidRequest,
          message: `Request body too large: the limit is ${MAX_BODY} bytes`,
          data: { limit: MAX_BODY },
        },
      });
      await stillServing();
    });

    test("a streamed body with no length that grows past the limit answers 413 too", async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          server.url,
          { method: "POST", headers: { "content-type": "application/json" } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        for (let i = 0; i < 8; i++) req.write("x".repeat(MAX_BODY / 4));
        req.end();
      });
      expect(status).toBe(413);
      await stillServing();
    });

    test("subscriptions over HTTP answer -32003 pointing to the WebSocket", async () => {
      const { body } = await call("refchain_subscribe", ["newHeads"]);
      expect(body.error).toMatchObject({
        code: RpcErrorCode.Unsupported,
        message: expect.stringContaining("WebSocket"),
      });
    });

    test("anything but POST / is refused with a JSON-RPC error body", async () => {
      const get = await fetch(server.url);
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      expect(await get.json()).toMatchObject({ error: { code: RpcErrorCode.InvalidRequest } });
      const elsewhere = await fetch(new URL("/rpc", server.url), { method: "POST", body: "{}" });
      expect(elsewhere.status).toBe(404);
      await stillServing();
    });
  });

  describe("over WebSocket", () => {
    test("malformed JSON, a non-request, an unknown method and wrong params each get their error on a socket that stays usable", async () => {
      const ws = await openSocket();
      expect(await exchange(ws, "{nope")).toMatchObject({
        id: null,
        error: { code: RpcErrorCode.ParseError },
      });
      expect(await exchange(ws, "17")).toMatchObject({
        id: null,
        error: { code: RpcErrorCode.InvalidRequest },
      });
      expect(
        await exchange(ws, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "refchain_nope" })),
      ).toMatchObject({
        id: 2,
        error: { code: RpcErrorCode.MethodNotFound },
      });
      expect(
        await exchange(
          ws,
          JSON.stringify({ jsonrpc: "2.0", id: 3, method: "refchain_getNonce", params: [true] }),
        ),
      ).toMatchObject({
        id: 3,
        error: { code: RpcErrorCode.InvalidParams, message: expect.stringContaining("params[0] (address)") },
      });
      expect(
        await exchange(ws, JSON.stringify({ jsonrpc: "2.0", id: 4, method: "refchain_head" })),
      ).toMatchObject({
        id: 4,
        result: { chainId: "refchain:local" },
      });
    });

    test("refchain_subscribe checks its params; refchain_unsubscribe answers whether the subscription existed", async () => {
      const ws = await openSocket();
      const subscribe = (id: number, params: unknown) =>
        exchange(ws, JSON.stringify({ jsonrpc: "2.0", id, method: "refchain_subscribe", params }));
      expect(await subscribe(1, ["oldHeads"])).toMatchObject({
        error: { code: RpcErrorCode.InvalidParams, message: expect.stringContaining("params[0] (kind)") },
      });
      expect(await subscribe(2, ["transfers", { addresses: "ref1" }])).toMatchObject({
        error: { code: RpcErrorCode.InvalidParams, message: expect.stringContaining("params[1].addresses") },
      });
      expect(await subscribe(3, ["transfers", { adresses: [] }])).toMatchObject({
        error: { code: RpcErrorCode.InvalidParams, message: expect.stringContaining("params[1].adresses") },
      });
      expect(await subscribe(4, ["transfers", { addresses: ["ref1bad"] }])).toMatchObject({
        error: { data: { reason: "BAD_ADDRESS" } },
      });
      const { result: id } = await subscribe(5, ["newHeads"]);
      expect(typeof id).toBe("string");
      const unsubscribe = (n: number) =>
        exchange(ws, JSON.stringify({ jsonrpc: "2.0", id: n, method: "refchain_unsubscribe", params: [id] }));
      expect(await unsubscribe(6)).toEqual({ jsonrpc: "2.0", id: 6, result: true });
      expect(await unsubscribe(7)).toEqual({ jsonrpc: "2.0", id: 7, result: false });
    });

    test("a message over the size limit closes that socket with 1009, and the server keeps answering", async () => {
      const ws = await openSocket();
      ws.send("x".repeat(MAX_BODY + 1));
      const [code] = await once(ws, "close");
      expect(code).toBe(1009);
      await stillServing();
    });

    test("a subscriber that stops reading is dropped with a final error while blocks keep coming and another subscriber gets every head", async () => {
      const slowServer = await startRefchainServer({ node, port: 0, maxBufferedBytes: 64 * 1024 });
      const good = new RefchainClient(rpcTransport(slowServer.url));
      try {
        const slow = new WebSocket(slowServer.wsUrl);
        sockets.push(slow);
        await once(slow, "open");
        // Many subscriptions on one socket: each block then owes it hundreds of messages.
        const batch = Array.from({ length: 500 }, (_, id) => ({
          jsonrpc: "2.0",
          id,
          method: "refchain_subscribe",
          params: ["newHeads"],
        }));
        const subscribed = await exchange(slow, JSON.stringify(batch));
        expect(subscribed).toHaveLength(500);
        const received: Message[] = [];
        slow.on("message", (data) => received.push(JSON.parse(data.toString())));
        (slow as unknown as { _socket: Socket })._socket.pause();

        const heights: bigint[] = [];
        await good.subscribeHeads({ onHead: (head) => heights.push(head.height) });
        const first = node.head.height + 1n;
        for (let blocks = 0; slowServer.stats().droppedSlowSubscribers === 0; blocks++) {
          if (blocks > 2_000) throw new Error("the stalled subscriber was never dropped");
          node.produceBlock();
          await nextTurn();
        }
        for (let i = 0; i < 5; i++) node.produceBlock(); // the chain carries on
        const last = node.head.height;
        await vi.waitFor(() => expect(heights.at(-1)).toBe(last));
        expect(heights).toEqual(
          Array.from({ length: Number(last - first) + 1 }, (_, i) => first + BigInt(i)),
        );
        expect(slowServer.stats()).toMatchObject({ subscriptions: 1, droppedSlowSubscribers: 1 });

        // Reading again, the slow client finds the final error, then the close.
        const closed = once(slow, "close");
        (slow as unknown as { _socket: Socket })._socket.resume();
        const [code] = await closed;
        expect(code).toBe(1008);
        expect(received.at(-1)).toMatchObject({
          id: null,
          error: { code: RpcErrorCode.SubscriberTooSlow, message: expect.stringContaining("too slow") },
        });
        expect(received.length).toBeLessThan(500 * Number(last - first + 1n));
      } finally {
        await good.close();
        await slowServer.close();
      }
    });

    test("through the client, a dropped subscription reaches onError as RpcError -32002", async () => {
      const slowServer = await startRefchainServer({ node, port: 0, maxBufferedBytes: 512 });
      const client = new RefchainClient(rpcTransport(slowServer.url));
      try {
        const errors: Error[] = [];
        // An allowance smaller than one head: the first head overflows it.
        await client.subscribeHeads({ onHead: () => {}, onError: (error) => errors.push(error) });
        node.produceBlock();
        await vi.waitFor(() => expect(errors).toHaveLength(1));
        expect(errors[0]).toMatchObject({ name: "RpcError", code: RpcErrorCode.SubscriberTooSlow });
        // A new subscription opens a new socket.
        const heads: bigint[] = [];
        await client.subscribeHeads({ onHead: (head) => heads.push(head.height), onError: () => {} });
        expect(await client.head()).toMatchObject({ height: node.head.height });
      } finally {
        await client.close();
        await slowServer.close();
      }
    });

    test("through the client, a socket the server closes reaches every subscriber's onError as a TransportError", async () => {
      const goingAway = await startRefchainServer({ node, port: 0 });
      const client = new RefchainClient(rpcTransport(goingAway.url));
      try {
        const errors: Error[] = [];
        await client.subscribeHeads({ onHead: () => {}, onError: (error) => errors.push(error) });
        await client.subscribeTransfers({ onTransfer: () => {}, onError: (error) => errors.push(error) });
        await goingAway.close();
        await vi.waitFor(() => expect(errors).toHaveLength(2));
        for (const error of errors) {
          expect(error).toMatchObject({ name: "TransportError", message: expect.stringContaining("closed") });
        }
        await expect(client.head()).rejects.toMatchObject({ name: "TransportError" });
      } finally {
        await client.close();
      }
    });
  });

  test("an unexpected failure answers -32603 without details, is reported to the operator, and the server keeps serving", async () => {
    const dir = mkdtempSync(join(tmpdir(), "refchain-rpc-closed-"));
    const closedNode = RefchainNode.open({ dataDir: dir, blockTimeMs: 3_600_000, verifierThreads: 1 });
    const reported: unknown[] = [];
    const broken = await startRefchainServer({
      node: closedNode,
      port: 0,
      onInternalError: (error) => reported.push(error),
    });
    try {
      // Its database is gone: reads that need it fail in ways no method expects.
      await closedNode.close();
      const response = await fetch(broken.url, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "refchain_getBlock", params: [0] }),
      });
      expect(await response.json()).toEqual({
        jsonrpc: "2.0",
        id: 1,
        error: { code: RpcErrorCode.InternalError, message: expect.stringContaining("internal error") },
      });
      expect(reported).toHaveLength(1);
      const head = await fetch(broken.url, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "refchain_head" }),
      });
      expect(await head.json()).toMatchObject({ id: 2, result: { height: "0" } });
    } finally {
      await broken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
