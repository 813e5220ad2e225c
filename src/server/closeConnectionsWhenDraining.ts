import type { FastifyInstance } from "fastify";

/**
 * Once the server starts closing (SIGTERM), every response still to be sent carries
 * `Connection: close`, so each keep-alive connection ends with the request it was serving. Node's
 * server.close() only closes the connections idle at that moment: one that finishes its request a
 * moment later would otherwise stay open for the keep-alive timeout and hold the drain until its
 * deadline cuts every connection.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook("preClose", async () => {
    draining = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (draining) reply.header("connection", "close");
    return payload;
  });
}
