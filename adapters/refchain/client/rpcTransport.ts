import http from "node:http";
import https from "node:https";
import type { JsonRpcResponse } from "../rpc/jsonRpc.ts";
import { fromErrorObject, isErrorObject } from "../rpc/rpcError.ts";
import { SubscriptionSocket } from "./subscriptionSocket.ts";
import type { RefchainTransport } from "./transport.ts";
import { TransportError } from "./transportError.ts";

export interface RpcTransportOptions {
  /** Where subscriptions connect. Default: `url` with ws:// (wss://) for http:// (https://). */
  wsUrl?: string;
  /** Concurrent HTTP connections, at most. Default 16. */
  maxSockets?: number;
}

/**
 * Reaches a standalone node: requests as JSON-RPC over HTTP POST on kept-alive connections,
 * subscriptions over one WebSocket to the same port, opened on the first subscribe. The socket does
 * not reconnect; when it closes, its subscribers are told through their `error`.
 */
export function rpcTransport(url: string, options: RpcTransportOptions = {}): RefchainTransport {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`a refchain RPC URL starts with http:// or https://, not "${url}"`);
  }
  const secure = target.protocol === "https:";
  const agent = new (secure ? https.Agent : http.Agent)({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 16,
  });
  const request = (secure ? https.request : http.request) as typeof http.request;
  const wsUrl = options.wsUrl ?? url.replace(/^http/, "ws");
  let socket: SubscriptionSocket | undefined;
  let nextId = 1;
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new TransportError("the refchain transport is closed");
  };

  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  return {
    name: "rpcTransport",

    async request(method, params) {
      checkOpen();
      let reply: { status: number; text: string };
      try {
        reply = await post(JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new TransportError(`cannot reach the refchain node at ${url} (${method}): ${why}`, {
          cause: error,
        });
      }
      let message: JsonRpcResponse | undefined;
      try {
        message = JSON.parse(reply.text);
      } catch {
        // handled below: no JSON-RPC response
      }
      if (message && "error" in message && isErrorObject(message.error)) throw fromErrorObject(message.error);
      if (reply.status !== 200 || !message || !("result" in message)) {
        throw new TransportError(
          `${url} answered ${method} with HTTP ${reply.status} and no JSON-RPC response`,
        );
      }
      return message.result as never;
    },

    async subscribe(kind, params, listener) {
      checkOpen();
      if (!socket || socket.ended) socket = new SubscriptionSocket(wsUrl);
      const current = socket;
      const id = await current.subscribe([kind, ...params], listener);
      return () => current.unsubscribe(id);
    },

    async close() {
      closed = true;
      agent.destroy();
      await socket?.close();
    },
  };
}
