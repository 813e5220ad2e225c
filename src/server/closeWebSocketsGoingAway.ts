import type { FastifyInstance } from "fastify";

/** WebSocket close code 1001: the server is going away (RFC 6455). */
export const CLOSE_GOING_AWAY = 1001;

/** How long a peer has to answer the close handshake before its socket is cut. */
const TERMINATE_AFTER_MS = 3_000;

/**
 * @fastify/websocket's preClose hook, run when the server closes (SIGTERM): every open socket is
 * closed with 1001 "going away", so a client reconnects (to this gateway once it is back, or to another
 * replica) and resubscribes after its last cursor instead of treating it as a failure. A peer that
 * does not answer the close handshake is cut after TERMINATE_AFTER_MS, so the drain never waits on
 * it; closing the WebSocket server refuses upgrades that arrive meanwhile (503).
 */
export function closeWebSocketsGoingAway(this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer;
  for (const socket of server.clients) {
    socket.close(CLOSE_GOING_AWAY, "the gateway is shutting down");
    setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
  }
  server.close();
  done();
}
