import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * A subscription sent over HTTP is refused before it runs, with what to do instead: its resolvers
 * expect the event stream that only graphql-ws sets up (run over HTTP they would fail as an internal
 * error, which a user cannot act on).
 */
export function subscriptionsOnlyOverWebSocket(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== "subscription") return;
          throw new GraphQLError(
            "Subscriptions run over WebSocket (graphql-ws) on this same /graphql path; over HTTP send queries and mutations.",
            { extensions: { code: "BAD_USER_INPUT", http: { status: 400, headers: new HeaderMap() } } },
          );
        },
      };
    },
  };
}
