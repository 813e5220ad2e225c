import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { RefchainNode } from "../chain/node.ts";
import { dispatch, type RpcHandler } from "./dispatch.ts";
import { errorResponse } from "./jsonRpc.ts";
import { createRefchainMethods, type RefchainMethodsOptions } from "./methods.ts";
import { readBody } from "./readBody.ts";
import { RpcError, RpcErrorCode, type RpcErrorObject } from "./rpcError.ts";
import { WebSocketSession } from "./webSocketSession.ts";

export interface RefchainServerOptions extends RefchainMethodsOptions {
  /** The node to serve. The server never closes it: whoever opened it does. */
  node: RefchainNode;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8547; 0 picks a free port (see `address`). */
  port?: number;
  /** Largest HTTP body or WebSocket message. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes a WebSocket may leave unread before it is dropped as too slow. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Subscriptions per WebSocket, at most. Default 1000. */
  maxSubscriptions?: number;
  /** Where failures that are bugs or outages go; callers only see -32603. Default console.error. */
  onInternalError?: (error: unknown, method: string) => void;
}

export interface RefchainServerStats {
  webSockets: number;
  subscriptions: number;
  /** WebSockets dropped since start because they read too slowly. */
  droppedSlowSubscribers: number;
}

export interface RefchainServer {
  /** http://host:port/ — POST JSON-RPC here. */
  readonly url: string;
  /** ws://host:port/ — the same methods, plus subscriptions. */
  readonly wsUrl: string;
  /** The bound address: the real port when 0 was asked. */
  readonly address: { host: string; port: number };
  stats(): RefchainServerStats;
  /** Stops listening, closes every connection; resolves once all are gone. Leaves the node open. */
  close(): Promise<void>;
}

export const DEFAULT_RPC_PORT = 8547;
const MiB = 1024 * 1024;

/**
 * The standalone node's JSON-RPC 2.0 server: POST / over HTTP (single and batch requests) and a
 * WebSocket on the same port for the same methods plus subscriptions.
 */
export async function startRefchainServer(options: RefchainServerOptions): Promise<RefchainServer> {
  const { node } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MiB;
  const onInternalError =
    options.onInternalError ??
    ((error: unknown, method: string) => console.error(`refchain rpc: ${method} failed`, error));
  const methods = createRefchainMethods(node, options);
  const onlyOverWebSocket: RpcHandler = () => {
    throw new RpcError(
      RpcErrorCode.Unsupported,
      "subscriptions need a WebSocket: connect to this URL with ws:// and call refchain_subscribe there",
    );
  };
  const httpMethods: { readonly [name: string]: RpcHandler } = {
    ...methods,
    refchain_subscribe: onlyOverWebSocket,
    refchain_unsubscribe: onlyOverWebSocket,
  };
  const sessions = new Set<WebSocketSession>();
  let droppedSlowSubscribers = 0;

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  // Errors outside any request (bad path, verb, size, JSON) have no id to answer to.
  const sendError = (
    res: ServerResponse,
    status: number,
    error: RpcErrorObject,
    headers: Record<string, string> = {},
  ) => sendJson(res, status, errorResponse(null, error), headers);
  const { InvalidRequest, ParseError, InternalError } = RpcErrorCode;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/") {
      sendError(res, 404, {
        code: InvalidRequest,
        message: `Not found: JSON-RPC is served at / (POST), not ${path}`,
      });
      return;
    }
    if (req.method !== "POST") {
      const message = `Method not allowed: send JSON-RPC with POST, not ${req.method}`;
      sendError(res, 405, { code: InvalidRequest, message }, { allow: "POST" });
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (!body.ok) {
      const message = `Request body too large: the limit is ${maxBodyBytes} bytes`;
      sendError(
        res,
        413,
        { code: InvalidRequest, message, data: { limit: maxBodyBytes } },
        { connection: "close" },
      );
      // Still sending past the discard limit: stop reading it, and drop the connection once answered.
      if (!body.complete) res.on("finish", () => req.socket.destroy());
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.body.toString("utf8"));
    } catch {
      sendError(res, 200, { code: ParseError, message: "Parse error: the body is not valid JSON" });
      return;
    }
    const response = await dispatch(payload, { methods: httpMethods, onInternalError });
    if (response === undefined) {
      res.writeHead(204).end(); // notifications only: nothing to answer
      return;
    }
    sendJson(res, 200, response);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onInternalError(error, "http");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, 500, { code: InternalError, message: "internal error" });
    });
  });
  // Clients keep connections alive between requests; a server that drops idle ones first makes them race it.
  server.keepAliveTimeout = 65_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes });
  server.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "/").split("?")[0] !== "/") {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new WebSocketSession(ws, {
        node,
        methods,
        maxBufferedBytes: options.maxBufferedBytes ?? 4 * MiB,
        maxSubscriptions: options.maxSubscriptions ?? 1000,
        onInternalError,
        onDropped: () => droppedSlowSubscribers++,
      });
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_RPC_PORT, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const hostInUrl = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;

  return {
    url: `http://${hostInUrl}:${bound.port}/`,
    wsUrl: `ws://${hostInUrl}:${bound.port}/`,
    address: { host: bound.address, port: bound.port },
    stats: () => ({
      webSockets: sessions.size,
      subscriptions: [...sessions].reduce((sum, session) => sum + session.subscriptionCount, 0),
      droppedSlowSubscribers,
    }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A peer that does not answer the close frame (a stalled subscriber) must not hold shutdown up.
      for (const session of sessions) session.terminate();
      wss.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
