import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import type { Caller } from "../../auth/caller.ts";
import { BadUserInputError } from "../../errors/gatewayError.ts";
import type { QueryLimitChecks } from "./queryLimitChecks.ts";
import { hideSuggestions, isTokenLimitError, queryLimitRefusal } from "./queryLimits.ts";
import { type SubscriptionCap, type SubscriptionCaps, SubscriptionSlots } from "./subscriptionSlots.ts";

export interface WsLimits {
  /**
   * For graphql-ws's onSubscribe: parses and validates the operation under the query limits, checks
   * its cost, and takes a subscription slot for a subscription. Returns what to execute, or the
   * errors the operation is refused with (then nothing of it runs, and the socket stays open).
   */
  admit(
    socket: object,
    id: string,
    payload: SubscribePayload,
    caller: Caller | undefined,
  ): ExecutionArgs | readonly GraphQLError[];
  /** For onComplete: the operation `id` of `socket` ended. */
  release(socket: object, id: string): void;
  /** For onClose: the socket closed, with whatever it still had running. */
  releaseSocket(socket: object): void;
  /** The live subscriptions, counted (for tests and metrics). */
  slots: SubscriptionSlots<object>;
}

/**
 * The same query limits over graphql-ws as over HTTP (the rules are the same objects), plus caps on
 * live subscriptions per socket and per tenant. Taking over parsing and validation from graphql-ws
 * also answers a syntax error as that operation's error instead of closing the socket.
 */
export function wsLimits(options: {
  schema: GraphQLSchema;
  checks: QueryLimitChecks;
  subscriptions: SubscriptionCaps;
}): WsLimits {
  const { schema, checks } = options;
  const rules = [...specifiedRules, ...checks.validationRules];
  const slots = new SubscriptionSlots<object>(options.subscriptions);

  const admit: WsLimits["admit"] = (socket, id, payload, caller) => {
    let document: DocumentNode;
    try {
      document = parse(payload.query, checks.parseOptions);
    } catch (error) {
      if (isTokenLimitError(error)) return [queryLimitRefusal("tokens", checks.policy)];
      if (error instanceof GraphQLError) return [error];
      // A document nested deep enough to exhaust the parser's stack is a refused document, not a
      // fault of the server: that operation gets an error, the socket stays open.
      return [
        new GraphQLError("Syntax Error: the document is nested too deeply.", {
          extensions: { code: "GRAPHQL_PARSE_FAILED" },
        }),
      ];
    }
    let invalid: readonly GraphQLError[];
    try {
      invalid = validate(schema, document, rules);
    } catch {
      // graphql-js rules can throw on some invalid documents (a subscription with @include lacking
      // `if`) instead of reporting them.
      return [
        new GraphQLError("The document is not valid.", { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
      ];
    }
    if (invalid.length > 0) {
      if (checks.hideSuggestions) for (const error of invalid) error.message = hideSuggestions(error.message);
      return invalid;
    }
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [new GraphQLError("Unable to identify operation")];
    const tooCostly = checks.cost(schema, document, payload.operationName, payload.variables);
    if (tooCostly) return [tooCostly];
    // Queries and mutations over the socket end as soon as they are answered: only subscriptions
    // hold a slot.
    if (operation.operation === "subscription") {
      const cap = slots.take(socket, id, caller?.kind === "tenant" ? caller.tenantId : null);
      if (cap) return [subscriptionCapRefusal(cap, options.subscriptions, checks.policy.exposeLimits)];
    }
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
    };
  };

  return {
    admit,
    release: (socket, id) => slots.release(socket, id),
    releaseSocket: (socket) => slots.releaseSocket(socket),
    slots,
  };
}

/** BAD_USER_INPUT with `extensions.limit`, like the query limits; the cap is said only outside production. */
function subscriptionCapRefusal(cap: SubscriptionCap, caps: SubscriptionCaps, exposeLimits: boolean) {
  const message =
    cap === "subscriptionsPerSocket"
      ? `This socket has ${exposeLimits ? `${caps.perSocket} live subscriptions, the most it may (GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET)` : "as many live subscriptions as it may"}: complete one first, or open another socket.`
      : `Your API key's tenant has ${exposeLimits ? `${caps.perTenant} live subscriptions on this gateway, the most it may (GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT)` : "as many live subscriptions as it may"}: complete one first.`;
  return new GraphQLError(message, { originalError: new BadUserInputError(message, { limit: cap }) });
}
