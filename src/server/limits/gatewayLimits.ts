import type { FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { GatewayLimits } from "../../config/limitsConfig.ts";
import { type ApolloQueryLimits, apolloQueryLimits } from "./apolloQueryLimits.ts";
import { bodyTooLargeHandler, registerCors } from "./httpProtections.ts";
import { queryLimitChecks } from "./queryLimitChecks.ts";
import { type WsLimits, wsLimits } from "./wsLimits.ts";

/** The limits and protections of the GraphQL front, ready to hook into Apollo, graphql-ws and fastify. */
export interface GatewayLimitHooks {
  limits: GatewayLimits;
  /** Apollo Server's options and plugin (HTTP). */
  apollo: {
    options: ApolloQueryLimits["options"] & { csrfPrevention: true };
    plugin: ApolloQueryLimits["plugin"];
  };
  /** graphql-ws's onSubscribe, onComplete and onClose. */
  ws: WsLimits;
  /** POST /graphql's errorHandler: 413 for a body over the limit. */
  bodyTooLarge: ReturnType<typeof bodyTooLargeHandler>;
  /** Registers CORS (GATEWAY_CORS_ORIGINS), before the routes. */
  registerCors(app: FastifyInstance): Promise<void>;
}

/**
 * One set of limits for HTTP and WebSocket (GATEWAY_MAX_*, GATEWAY_CORS_ORIGINS,
 * GATEWAY_WS_INIT_TIMEOUT_MS). In production, refusals do not say the limits and validation errors
 * do not suggest field names.
 */
export function gatewayLimits(options: {
  schema: GraphQLSchema;
  limits: GatewayLimits;
  production: boolean;
}): GatewayLimitHooks {
  const { schema, limits, production } = options;
  const checks = queryLimitChecks(limits.query, { production });
  const apolloQuery = apolloQueryLimits(checks);
  return {
    limits,
    apollo: {
      // Apollo's default, said here: a request a browser could send cross-site without a preflight
      // (a GET or a text/plain, urlencoded or multipart POST without apollo-require-preflight or
      // x-apollo-operation-name) is refused before it runs.
      options: { ...apolloQuery.options, csrfPrevention: true },
      plugin: apolloQuery.plugin,
    },
    ws: wsLimits({ schema, checks, subscriptions: limits.subscriptions }),
    bodyTooLarge: bodyTooLargeHandler(limits.maxBodyBytes, { exposeLimits: !production }),
    registerCors: (app) => registerCors(app, limits.corsOrigins),
  };
}
