import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { ParseOptions, ValidationRule } from "graphql";
import { formatError } from "../../graphql/formatError.ts";
import type { QueryLimitChecks } from "./queryLimitChecks.ts";
import { isTokenLimitError, queryLimitRefusal } from "./queryLimits.ts";

/** Query limits for Apollo Server (HTTP): `options` go into its constructor, `plugin` into its plugins. */
export interface ApolloQueryLimits {
  options: {
    parseOptions: ParseOptions;
    validationRules: ValidationRule[];
    hideSchemaDetailsFromClientErrors: boolean;
  };
  plugin: ApolloServerPlugin<BaseContext>;
}

/**
 * Tokens are counted by the parser and depth, aliases and directives by validation rules: an
 * operation over one of them is answered 400 before it is executed, like any invalid operation. The
 * cost is checked once the operation and its variables are known (didResolveOperation), still
 * before execution: a refusal thrown there is the response, 400 too. Documents Apollo caches were
 * parsed and validated under the same limits.
 */
export function apolloQueryLimits(checks: QueryLimitChecks): ApolloQueryLimits {
  // graphql-js's own message for too many tokens names the limit, and its code is
  // GRAPHQL_PARSE_FAILED: the response gets the refusal every other limit gives instead.
  const tokenRefusal = queryLimitRefusal("tokens", checks.policy);
  const formattedTokenRefusal = formatError(tokenRefusal.toJSON(), tokenRefusal);
  return {
    options: {
      parseOptions: checks.parseOptions,
      validationRules: checks.validationRules,
      hideSchemaDetailsFromClientErrors: checks.hideSuggestions,
    },
    plugin: {
      async requestDidStart() {
        let overTokenLimit = false;
        return {
          async parsingDidStart() {
            return async (error) => {
              overTokenLimit = isTokenLimitError(error);
            };
          },
          async didResolveOperation({ schema, document, request }) {
            const refusal = checks.cost(schema, document, request.operationName, request.variables);
            if (refusal) throw refusal;
          },
          async willSendResponse({ response }) {
            if (overTokenLimit && response.body.kind === "single") {
              response.body.singleResult.errors = [formattedTokenRefusal];
            }
          },
        };
      },
    },
  };
}
