import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { GatewayMetrics } from "./gatewayMetrics.ts";

export const METRICS_PATH = "/metrics";

/**
 * GET /metrics in the Prometheus text format, for a scraper holding `token` (GATEWAY_METRICS_TOKEN)
 * as a bearer token: the gateway faces the internet, and its metrics tell what runs and how busy it
 * is. Without a token configured the route does not exist (404).
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: GatewayMetrics,
  token: string | null,
): void {
  if (token === null) return;
  // Compared as digests of equal length, in constant time: the token's length leaks nothing either.
  const expected = digest(`Bearer ${token}`);
  app.get(METRICS_PATH, async (request, reply) => {
    const authorization = request.headers.authorization ?? "";
    if (!timingSafeEqual(digest(authorization), expected)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="metrics"')
        .send({ error: "GET /metrics needs Authorization: Bearer <GATEWAY_METRICS_TOKEN>" });
    }
    return reply.header("content-type", metrics.contentType).send(await metrics.render());
  });
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
