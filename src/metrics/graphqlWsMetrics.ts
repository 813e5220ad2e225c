import { getOperationAST } from "graphql";
import type { ConnectionInitMessage, ServerOptions } from "graphql-ws";
import type { GatewayMetrics } from "./gatewayMetrics.ts";
import { OK, UNKNOWN_OPERATION, UNKNOWN_TYPE } from "./operationLabels.ts";

/** One operation (subscribe message) on one connection, from its subscribe message to its end. */
interface WsOperation {
  started: number;
  operation: string;
  type: string;
  /** The first error code it answered with; null while it has answered none. */
  outcome: string | null;
  /** Counted already: a query or mutation once it completed, a subscription once established. */
  counted: boolean;
  /** A live subscription, in the gateway_subscriptions gauge. */
  live: boolean;
}

/**
 * The graphql-ws server options with metrics hooked in front of (or after) the hooks given: each
 * subscribe message is one operation in gateway_graphql_requests_total. A query or mutation is counted
 * when it completes, with the code of its first error as the outcome; a subscription when it is
 * established (or refused), and from then on it is in the gateway_subscriptions gauge until it ends.
 * The given hooks run as they would without it, and their (formatted) errors are what is labelled.
 */
export function withWsOperationMetrics<P extends ConnectionInitMessage["payload"], E>(
  metrics: GatewayMetrics,
  options: ServerOptions<P, E>,
): ServerOptions<P, E> {
  const labels = metrics.operationLabels;
  // Per connection (graphql-ws's context object, the same in every hook of one socket).
  const operations = new WeakMap<object, Map<string, WsOperation>>();
  const of = (ctx: object) => {
    let byId = operations.get(ctx);
    if (byId === undefined) {
      byId = new Map();
      operations.set(ctx, byId);
    }
    return byId;
  };
  const count = (operation: WsOperation, outcome: string) => {
    if (operation.counted) return;
    operation.counted = true;
    metrics.observeOperation(
      { operation: operation.operation, type: operation.type, outcome },
      (performance.now() - operation.started) / 1000,
    );
  };
  // Idempotent: graphql-ws may report an operation's end twice (its error, then the socket closing).
  const end = (ctx: object, id: string) => {
    const byId = operations.get(ctx);
    const operation = byId?.get(id);
    if (byId === undefined || operation === undefined) return;
    byId.delete(id);
    if (operation.live) metrics.subscriptions.dec();
    count(operation, operation.outcome ?? OK);
  };

  return {
    ...options,
    onSubscribe: async (ctx, id, payload) => {
      of(ctx).set(id, {
        started: performance.now(),
        operation: UNKNOWN_OPERATION,
        type: UNKNOWN_TYPE,
        outcome: null,
        counted: false,
        live: false,
      });
      try {
        return await options.onSubscribe?.(ctx, id, payload);
      } catch (error) {
        // graphql-ws closes the socket (4500); onClose ends the operation with this outcome.
        const operation = of(ctx).get(id);
        if (operation) operation.outcome = labels.code("INTERNAL_SERVER_ERROR");
        throw error;
      }
    },
    onOperation: async (ctx, id, payload, args, result) => {
      const operation = of(ctx).get(id);
      if (operation) {
        const definition = getOperationAST(args.document, args.operationName);
        operation.operation = labels.operation(definition?.name?.value ?? args.operationName);
        operation.type = labels.type(definition?.operation);
        if (isAsyncIterable(result)) {
          operation.live = true;
          metrics.subscriptions.inc();
          count(operation, OK);
        }
      }
      return options.onOperation?.(ctx, id, payload, args, result);
    },
    onNext: async (ctx, id, payload, args, result) => {
      const formatted = await options.onNext?.(ctx, id, payload, args, result);
      const operation = of(ctx).get(id);
      const errors = (formatted ?? result).errors;
      if (operation && operation.outcome === null && errors?.length)
        operation.outcome = labels.outcome(errors);
      return formatted;
    },
    // Errors before execution (validation, a refused onSubscribe) and a subscription's stream failing:
    // the operation is over either way, and graphql-ws calls no onComplete for the first kind.
    onError: async (ctx, id, payload, errors) => {
      const formatted = await options.onError?.(ctx, id, payload, errors);
      const operation = of(ctx).get(id);
      if (operation && operation.outcome === null) operation.outcome = labels.outcome(formatted ?? errors);
      end(ctx, id);
      return formatted;
    },
    onComplete: async (ctx, id, payload) => {
      end(ctx, id);
      return options.onComplete?.(ctx, id, payload);
    },
    // Whatever the socket still had running ends with it.
    onClose: async (ctx, code, reason) => {
      for (const id of [...of(ctx).keys()]) end(ctx, id);
      return options.onClose?.(ctx, code, reason);
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
