import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { GatewayMetrics } from "./gatewayMetrics.ts";
import { UNKNOWN_OPERATION, UNKNOWN_TYPE } from "./operationLabels.ts";

/** The two hooks that meter GraphQL over HTTP; one per server. */
export interface GraphqlHttpMetrics<TContext extends BaseContext> {
  /**
   * Wraps the context function so the clock starts before authentication and rate limiting, and a
   * request refused there (UNAUTHENTICATED, RATE_LIMITED) is counted too: Apollo runs no request
   * plugin for it.
   */
  timedContext<TArgs extends unknown[]>(
    create: (...args: TArgs) => Promise<TContext>,
  ): (...args: TArgs) => Promise<TContext>;
  /** Labels each operation with its name, type and outcome and records it when the response goes out. */
  plugin: ApolloServerPlugin<TContext>;
}

export function graphqlHttpMetrics<TContext extends BaseContext>(
  metrics: GatewayMetrics,
): GraphqlHttpMetrics<TContext> {
  const labels = metrics.operationLabels;
  // When each request's context began to be made: the context object is what the plugin sees again.
  const startedAt = new WeakMap<object, number>();
  const seconds = (since: number) => (performance.now() - since) / 1000;

  return {
    timedContext(create) {
      return async (...args) => {
        const started = performance.now();
        try {
          const context = await create(...args);
          startedAt.set(context, started);
          return context;
        } catch (error) {
          const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
          metrics.observeOperation(
            {
              operation: UNKNOWN_OPERATION,
              type: UNKNOWN_TYPE,
              outcome: labels.code(code ?? "INTERNAL_SERVER_ERROR"),
            },
            seconds(started),
          );
          throw error;
        }
      };
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        const started = startedAt.get(contextValue) ?? performance.now();
        let operation = UNKNOWN_OPERATION;
        let type = UNKNOWN_TYPE;
        return {
          // Called only for an operation that parsed and validated: a name is never taken from junk.
          async didResolveOperation({ operation: resolved, operationName }) {
            operation = labels.operation(operationName ?? resolved?.name?.value);
            type = labels.type(resolved?.operation);
          },
          async willSendResponse({ response }) {
            const errors =
              response.body.kind === "single"
                ? response.body.singleResult.errors
                : response.body.initialResult.errors;
            metrics.observeOperation({ operation, type, outcome: labels.outcome(errors) }, seconds(started));
          },
        };
      },
    },
  };
}
