import cors from "@fastify/cors";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * CORS for GATEWAY_CORS_ORIGINS. With none, nothing is registered: no response carries
 * Access-Control-Allow-Origin, so browsers let no other origin read the API (the explorer is served
 * by the gateway itself and needs none). Keys travel in the Authorization header, never in cookies,
 * so credentials stay off.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes("*") ? "*" : [...origins],
    methods: ["GET", "POST"],
    // What GraphQL clients send: the key, JSON, and Apollo's CSRF-prevention headers.
    allowedHeaders: ["authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name"],
    credentials: false,
    // Browsers cache a preflight for at most this long (Chromium caps it at 2 hours).
    maxAge: 600,
  });
}

/**
 * The error handler of POST /graphql: a body over GATEWAY_MAX_BODY_BYTES is answered 413 with a
 * GraphQL-shaped error (BAD_USER_INPUT, `extensions.limit: "bodyBytes"`) before anything reads it as
 * an operation, so nothing of it runs. Every other error goes on to fastify's handler.
 */
export function bodyTooLargeHandler(maxBodyBytes: number, { exposeLimits }: { exposeLimits: boolean }) {
  const message = exposeLimits
    ? `The request body is larger than ${maxBodyBytes} bytes (GATEWAY_MAX_BODY_BYTES): send a smaller operation, or smaller variables.`
    : "The request body is too large: send a smaller operation, or smaller variables.";
  const body = JSON.stringify({
    errors: [{ message, extensions: { code: "BAD_USER_INPUT", limit: "bodyBytes" } }],
  });
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (error.code !== "FST_ERR_CTP_BODY_TOO_LARGE") throw error;
    return reply.code(413).type("application/json; charset=utf-8").send(body);
  };
}
