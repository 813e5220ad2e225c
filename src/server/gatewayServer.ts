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
import { makeHandler } from "graphql-ws/use/@fastify/websocket";
import { createAuthenticator } from "../auth/authenticate.ts";
import type { Caller } from "../auth/caller.ts";
import { isGatewayError, RateLimitedError } from "../errors/gatewayError.ts";
import { type ExplorerOptions, registerExplorerRoutes } from "../explorer/explorerRoutes.ts";
import { formatError, INTERNAL_SERVER_ERROR, isInternalError } from "../graphql/formatError.ts";
import type { GatewayContext } from "../graphql/gatewayContext.ts";
import { createLoaders } from "../graphql/loaders.ts";
import type { Logger } from "../logger.ts";
import type { TenantRateLimiter } from "../rateLimit/tenantRateLimiter.ts";
import type { Services } from "../services.ts";

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
  const app = fastify({
    loggerInstance: logger.child({ component: "http" }) as FastifyBaseLogger,
    // Per-request access logs would be thousands a second; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
  });

  // One authenticator for HTTP and WebSocket: its short-lived cache spares a store read per request.
  const authenticator = createAuthenticator({ store: services.store, adminKey });
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

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The CLI handles SIGTERM/SIGINT: it closes the whole gateway (trackers, chains, store), which
    // Apollo's own handler would cut short by re-raising the signal.
    stopOnTerminationSignals: false,
    plugins: [
      fastifyApolloDrainPlugin(app),
      errorLogging(),
      // No HTTP caching of a payment API's answers, and the explorer is our own page: Apollo's
      // defaults for both would only cost time on every field and request.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const graphqlHandler = fastifyApolloHandler(apollo, {
    context: async (request: FastifyRequest) => {
      const caller = await callerOf(request);
      await admitHttpOperation(caller);
      return contextFor(caller, request.id);
    },
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

  const wsHandler = makeHandler<Record<string, unknown>, { caller?: Caller }>({
    schema,
    onConnect: async (ctx) => {
      const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      try {
        const caller = await authenticator.authenticate(
          typeof authorization === "string" ? authorization : undefined,
        );
        if (caller.kind === "anonymous") throw new Error("no key");
        ctx.extra.caller = caller;
        return true;
      } catch {
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized: send connectionParams.authorization");
        return false;
      }
    },
    // Each subscribe message is one operation (a subscription, or a query or mutation sent over the
    // socket): counted before it is parsed or run. A refusal is an error message for that operation
    // (onError formats it); the socket and its other subscriptions stay open.
    onSubscribe: async (ctx) => {
      const caller = ctx.extra.caller;
      if (caller?.kind !== "tenant") return;
      try {
        await rateLimiter.consume(caller.tenantId);
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        return [new GraphQLError(error.message, { originalError: error })];
      }
    },
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
  });

  const explorer = options.explorer ? registerExplorerRoutes(app, GRAPHQL_PATH, options.explorer) : null;
  app.post(GRAPHQL_PATH, graphqlHandler);
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
  app.get("/readyz", async (_request, reply) => {
    const readiness = await options.readiness();
    return reply
      .code(readiness.ready ? 200 : 503)
      .send({ status: readiness.ready ? "ready" : "not ready", ...readiness });
  });

  // Apollo's drain plugin closes fastify (stop accepting, drain in-flight requests, close sockets):
  // stopping Apollo stops the whole server.
  return { app, close: () => apollo.stop() };
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
