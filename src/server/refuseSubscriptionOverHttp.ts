import { HeaderMap } from "@apollo/server";
import { GraphQLError, Kind, parse } from "graphql";

const OVER_WEBSOCKET =
  "Subscriptions run over WebSocket (graphql-ws) on this same /graphql path; over HTTP send queries and mutations.";

/**
 * Refuses a subscription sent over HTTP, with what to do instead: its resolvers need the event stream
 * only graphql-ws sets up. Called from the HTTP context function with the request's GraphQL
 * parameters, so before Apollo parses and validates the document: graphql-js 16 throws (instead of
 * reporting) while validating some invalid subscriptions (`@include` without `if`), which Apollo
 * would answer as a 500. A document holding any subscription operation is refused over HTTP.
 */
export function refuseSubscriptionOverHttp(parameters: unknown): void {
  const query = (parameters as { query?: unknown } | null | undefined)?.query;
  if (typeof query !== "string" || !query.includes("subscription")) return;
  let hasSubscription = false;
  try {
    const document = parse(query, { maxTokens: 10_000 });
    hasSubscription = document.definitions.some(
      (definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.operation === "subscription",
    );
  } catch {
    return; // Apollo answers the syntax error itself
  }
  if (hasSubscription) {
    throw new GraphQLError(OVER_WEBSOCKET, {
      extensions: { code: "BAD_USER_INPUT", http: { status: 400, headers: new HeaderMap() } },
    });
  }
}
