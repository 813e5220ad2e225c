import type { WebsocketHandler } from "@fastify/websocket";
import type { FastifyRequest } from "fastify";
import { CloseCode, MessageType, makeServer, type ServerOptions } from "graphql-ws";
import type { WebSocket } from "ws";
import type { Logger } from "../logger.ts";

/** What every graphql-ws hook gets as `ctx.extra`: the socket and its upgrade request. */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: FastifyRequest;
}

/** Server pings a quiet socket this often and cuts it when no pong comes within the same time. */
const KEEP_ALIVE_MS = 12_000;

/** Message types only a server sends; a client sending one breaks the protocol. */
const SERVER_ONLY_TYPES: ReadonlySet<unknown> = new Set([
  MessageType.ConnectionAck,
  MessageType.Next,
  MessageType.Error,
]);

/**
 * graphql-ws on @fastify/websocket (registered with graphql-ws's handleProtocols). graphql-ws ships such an adapter; this one differs where a client
 * can otherwise make the gateway look broken:
 * - a client sending a message only servers send (`connection_ack`, `next`, `error`) is closed with
 *   4400 Bad Request; graphql-ws itself throws on those, which its adapter answers with 4500 and a
 *   stack on stderr;
 * - a frame the socket refuses (over GATEWAY_MAX_BODY_BYTES, not valid WebSocket) is the client's
 *   fault: ws closes it (1009, 1002) and it is logged at debug, not printed as an internal error;
 * - an internal error is logged through the gateway's logger and closes with 4500 "Internal server
 *   error", never the error's message.
 */
export function makeGraphqlWsHandler<
  P extends Record<string, unknown>,
  E extends Record<PropertyKey, unknown>,
>(options: ServerOptions<P, Extra & Partial<E>>, logger: Logger): WebsocketHandler {
  const server = makeServer(options);
  let listeningForServerErrors = false;

  return function handler(socket, request) {
    if (!listeningForServerErrors) {
      listeningForServerErrors = true;
      this.websocketServer.on("error", (err) => logger.error({ err }, "error on the WebSocket server"));
    }

    socket.on("error", (err: Error & { code?: unknown }) => {
      if (typeof err.code === "string" && err.code.startsWith("WS_ERR_")) {
        logger.debug({ err: err.message, code: err.code }, "refused a WebSocket frame");
        return; // ws closes the socket itself, with the code the fault calls for.
      }
      logger.error({ err }, "error on a WebSocket");
      socket.close(CloseCode.InternalServerError, "Internal server error");
    });

    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once("pong", () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", async (data) => {
            const text = String(data);
            if (isServerOnlyMessage(text)) {
              socket.close(CloseCode.BadRequest, "Invalid message received");
              return;
            }
            try {
              await handle(text);
            } catch (err) {
              logger.error({ err }, "internal error handling a graphql-ws message");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            }
          }),
      },
      { socket, request } as Extra & Partial<E>,
    );

    socket.once("close", (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(pingInterval);
      closed(code, String(reason));
    });
  };
}

/** Whether the frame is a JSON message whose type only a server may send. Anything else is graphql-ws's to judge. */
function isServerOnlyMessage(text: string): boolean {
  try {
    const message: unknown = JSON.parse(text);
    return (
      typeof message === "object" &&
      message !== null &&
      SERVER_ONLY_TYPES.has((message as { type?: unknown }).type)
    );
  } catch {
    return false;
  }
}
