import { randomUUID } from "node:crypto";
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import websocket from "@fastify/websocket";
import fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from "fastify";
import { type ExecutionResult, GraphQLError, type GraphQLSchema } from "graphql";
import { handleProtocols, type ServerOptions } from "graphql-ws";
import { ApiKeyUseRecorder } from "../auth/apiKeyUseRecorder.ts";
import { createAuthenticator } from "../auth/authenticate.ts";
import type { Caller } from "../auth/caller.ts";
import type { GatewayLimits } from "../config/limitsConfig.ts";
import { isGatewayError, RateLimitedError } from "../errors/gatewayError.ts";
import { type ExplorerOptions, registerExplorerRoutes } from "../explorer/explorerRoutes.ts";
import { formatError, INTERNAL_SERVER_ERROR, isInternalError } from "../graphql/formatError.ts";
import type { GatewayContext } from "../graphql/gatewayContext.ts";
import { createLoaders } from "../graphql/loaders.ts";
import type { Logger } from "../logger.ts";
import type { GatewayMetrics } from "../metrics/gatewayMetrics.ts";
import { graphqlHttpMetrics } from "../metrics/graphqlHttpMetrics.ts";
import { withWsOperationMetrics } from "../metrics/graphqlWsMetrics.ts";
import { registerMetricsRoute } from "../metrics/metricsRoute.ts";
import type { TenantRateLimiter } from "../rateLimit/tenantRateLimiter.ts";
import type { Services } from "../services.ts";
import { closeConnectionsWhenDraining } from "./closeConnectionsWhenDraining.ts";
import { closeWebSocketsGoingAway } from "./closeWebSocketsGoingAway.ts";
import { followApiKeyRevocations } from "./followApiKeyRevocations.ts";
import { makeGraphqlWsHandler, type Extra as WsExtra } from "./graphqlWsOverFastify.ts";
import { gatewayLimits } from "./limits/gatewayLimits.ts";
import { refuseSubscriptionOverHttp } from "./refuseSubscriptionOverHttp.ts";
import { SocketsByApiKey } from "./socketsByApiKey.ts";

export const GRAPHQL_PATH = "/graphql";

/** graphql-ws close code for a socket whose connectionParams carry no valid key. */
export const CLOSE_UNAUTHORIZED = 4401;

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface GatewayServerOptions {
  schema: GraphQLSchema;
  services: Services;
  adminKey: string;
  logger: Logger;
  /** The GraphiQL explorer (GATEWAY_EXPLORER); null turns it off. */
  explorer: ExplorerOptions | null;
  readiness: () => Promise<Readiness>;
  /** Counts each operation of a tenant (GATEWAY_RATE_LIMIT) before it runs; admin and anonymous callers are not counted. */
  rateLimiter: TenantRateLimiter;
  /** Query limits, body size, CORS, graphql-ws limits (config.limits). */
  limits: GatewayLimits;
  /** NODE_ENV=production: refusals do not say the limits, validation errors suggest no field names. */
  production: boolean;
  /** Fed by every operation and socket; served at GET /metrics to a bearer of `metricsToken`. */
  metrics: GatewayMetrics;
  /** GATEWAY_METRICS_TOKEN; null: no /metrics route. */
  metricsToken: string | null;
  /**
   * false: no query limits (depth, cost, aliases, directives, tokens, subscription caps) and no
   * operation metrics. Only the bench sets it, for the baseline the cost of both is measured against.
   */
  limitsAndMetrics?: boolean;
}

/**
 * The HTTP and WebSocket front: Apollo Server on fastify at POST/GET /graphql, graphql-ws on the same
 * path, the explorer for browsers (GET / and GET /graphql), /healthz and /readyz. Wiring only: the
 * schema's resolvers and the services do the work.
 */
export async function createGatewayServer(
  options: GatewayServerOptions,
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const { schema, services, adminKey, logger, rateLimiter } = options;
  const limited = options.limitsAndMetrics ?? true;
  const limits = gatewayLimits({ schema, limits: options.limits, production: options.production });
  const app = fastify({
    loggerInstance: logger.child({ component: "http" }) as FastifyBaseLogger,
    // Per-request access logs would be thousands a second; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: limits.limits.maxBodyBytes,
  });

  // One authenticator for HTTP and WebSocket: its short-lived cache spares a store read per request.
  // Each key's lastUsedAt is written at most once a minute, off the request's path.
  const keyUses = new ApiKeyUseRecorder({
    store: services.store,
    onError: (err, apiKeyId) => logger.warn({ err, apiKeyId }, "could not record an API key's use"),
  });
  const authenticator = createAuthenticator({
    store: services.store,
    adminKey,
    onKeyUsed: (key) => keyUses.used(key),
  });
  // A revoked key (on any replica) is refused at once and its open sockets are closed with 4401.
  const socketsByApiKey = new SocketsByApiKey();
  const stopFollowingRevocations = followApiKeyRevocations({
    bus: services.bus,
    store: services.store,
    authenticator,
    sockets: socketsByApiKey,
    logger,
  });
  const contextFor = (caller: Caller, requestId: string): GatewayContext => {
    let requestLogger: Logger | undefined;
    return {
      caller,
      requestId,
      // Made on first use: most requests log nothing, and a child logger per request is not free.
      get logger() {
        requestLogger ??= logger.child({ requestId });
        return requestLogger;
      },
      services,
      loaders: createLoaders(services),
    };
  };

  const httpMetrics = limited ? graphqlHttpMetrics<GatewayContext>(options.metrics) : null;
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    ...(limited ? limits.apollo.options : { csrfPrevention: true }),
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The CLI handles SIGTERM/SIGINT: it closes the whole gateway (trackers, chains, store), which
    // Apollo's own handler would cut short by re-raising the signal.
    stopOnTerminationSignals: false,
    plugins: [
      fastifyApolloDrainPlugin(app),
      errorLogging(),
      ...(httpMetrics ? [limits.apollo.plugin, httpMetrics.plugin] : []),
      // No HTTP caching of a payment API's answers, and the explorer is our own page: Apollo's
      // defaults for both would only cost time on every field and request.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  // On close (SIGTERM), open sockets are told 1001 "going away" rather than just dropped.
  // A graphql-ws message over the body limit closes its socket (1009).
  await app.register(websocket, {
    // graphql-ws picks the subprotocol (graphql-transport-ws), from the very first socket on.
    options: { maxPayload: limits.limits.maxBodyBytes, handleProtocols },
    preClose: closeWebSocketsGoingAway,
  });
  await limits.registerCors(app);
  options.metrics.countWebSocketsWith(() => app.websocketServer.clients.size);
  closeConnectionsWhenDraining(app);
  const httpContext = async (request: FastifyRequest) => {
    const caller = await callerOf(request);
    await admitHttpOperation(caller);
    refuseSubscriptionOverHttp(request.method === "GET" ? request.query : request.body);
    return contextFor(caller, request.id);
  };
  const graphqlHandler = fastifyApolloHandler(apollo, {
    context: httpMetrics ? httpMetrics.timedContext(httpContext) : httpContext,
  });
  const callerOf = async (request: FastifyRequest): Promise<Caller> => {
    try {
      return await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      // Thrown from the context function, a GraphQLError keeps its code and sets the HTTP status.
      if (isGatewayError(error)) {
        throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 401 } } });
      }
      logger.error({ err: error, requestId: request.id }, "internal error while authenticating");
      throw new GraphQLError("internal", {
        extensions: { code: INTERNAL_SERVER_ERROR, requestId: request.id, http: { status: 500 } },
      });
    }
  };

  // Once per HTTP request, which is one operation (Apollo's batching is off), after authentication and
  // before parsing: a refused operation runs no resolver. Invalid operations count too, as over
  // graphql-ws (onSubscribe below runs before validation).
  const admitHttpOperation = async (caller: Caller): Promise<void> => {
    if (caller.kind !== "tenant") return;
    try {
      await rateLimiter.consume(caller.tenantId);
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      // Thrown from the context function, `http` sets the status and headers of the response;
      // formatError gives the body the code and retryAfterSeconds of the original.
      throw new GraphQLError(error.message, {
        originalError: error,
        extensions: {
          code: error.code,
          http: {
            status: 429,
            headers: new HeaderMap([["retry-after", String(error.retryAfterSeconds)]]),
          },
        },
      });
    }
  };

  const wsOptions: ServerOptions<Record<string, unknown>, WsExtra & { caller?: Caller }> = {
    schema,
    connectionInitWaitTimeout: limits.limits.wsInitTimeoutMs,
    onConnect: async (ctx) => {
      const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      try {
        const caller = await authenticator.authenticate(
          typeof authorization === "string" ? authorization : undefined,
        );
        if (caller.kind === "anonymous") throw new Error("no key");
        ctx.extra.caller = caller;
        if (caller.kind === "tenant") socketsByApiKey.add(caller.apiKeyId, ctx.extra.socket);
        return true;
      } catch {
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized: send connectionParams.authorization");
        return false;
      }
    },
    // Each subscribe message is one operation (a subscription, or a query or mutation sent over the
    // socket): counted before it is parsed or run, then held to the query limits and subscription
    // caps. A refusal is an error message for that operation (onError formats it); the socket and
    // its other subscriptions stay open.
    onSubscribe: async (ctx, id, payload) => {
      const caller = ctx.extra.caller;
      if (caller?.kind === "tenant") {
        try {
          await rateLimiter.consume(caller.tenantId);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          return [new GraphQLError(error.message, { originalError: error })];
        }
      }
      return limited ? limits.ws.admit(ctx, id, payload, caller) : undefined;
    },
    onComplete: (ctx, id) => limits.ws.release(ctx, id),
    onClose: (ctx) => limits.ws.releaseSocket(ctx),
    context: (ctx) => contextFor(ctx.extra.caller ?? { kind: "anonymous" }, `ws-${randomUUID()}`),
    onNext: (_ctx, _id, _payload, args, result) => {
      const context = args.contextValue as GatewayContext;
      // A long-lived subscription must not serve balances cached at its first event.
      context.loaders.balance.clearAll();
      return formatResult(result as ExecutionResult, context, logger);
    },
    onError: (_ctx, _id, _payload, errors) =>
      errors.map((error) => {
        if (isInternalError(error)) logger.error({ err: error }, "internal error in a subscription");
        const { message, extensions } = formatError(error.toJSON(), error);
        return new GraphQLError(message, { extensions });
      }),
  };
  const wsHandler = makeGraphqlWsHandler(
    limited ? withWsOperationMetrics(options.metrics, wsOptions) : wsOptions,
    logger.child({ component: "ws" }),
  );

  const explorer = options.explorer ? registerExplorerRoutes(app, GRAPHQL_PATH, options.explorer) : null;
  app.post(GRAPHQL_PATH, { errorHandler: limits.bodyTooLarge }, graphqlHandler);
  app.route({
    method: "GET",
    url: GRAPHQL_PATH,
    // A browser asking for the page gets the explorer; any GET with a query runs it (GraphQL over HTTP).
    handler(request, reply) {
      const query = request.query as Record<string, unknown>;
      if (explorer && query.query === undefined && (request.headers.accept ?? "").includes("text/html")) {
        return explorer.sendPage(reply);
      }
      return graphqlHandler.call(this, request, reply);
    },
    wsHandler,
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  registerMetricsRoute(app, options.metrics, options.metricsToken);
  app.get("/readyz", async (_request, reply) => {
    const readiness = await options.readiness();
    return reply
      .code(readiness.ready ? 200 : 503)
      .send({ status: readiness.ready ? "ready" : "not ready", ...readiness });
  });

  // Apollo's drain plugin closes fastify (stop accepting, drain in-flight requests, close sockets):
  // stopping Apollo stops the whole server.
  return {
    app,
    close: () => {
      stopFollowingRevocations();
      return apollo.stop();
    },
  };
}

/** Subscription results get the same error treatment as HTTP responses. */
function formatResult(result: ExecutionResult, context: GatewayContext, logger: Logger): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      if (isInternalError(error))
        logger.error({ err: error.originalError ?? error, requestId: context.requestId }, "internal error");
      const formatted = formatError(error.toJSON(), error);
      const extensions =
        formatted.extensions?.code === INTERNAL_SERVER_ERROR
          ? { ...formatted.extensions, requestId: context.requestId }
          : formatted.extensions;
      return new GraphQLError(formatted.message, { path: error.path, extensions });
    }),
  };
}

/** Logs what was masked as INTERNAL_SERVER_ERROR with the request id, and gives the client that id. */
function errorLogging(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isInternalError(error)) {
              contextValue.logger.error(
                { err: error.originalError ?? error, path: error.path },
                "internal error",
              );
            } else if (!isGatewayError(error.originalError)) {
              contextValue.logger.debug({ err: error }, "request error");
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === INTERNAL_SERVER_ERROR) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
