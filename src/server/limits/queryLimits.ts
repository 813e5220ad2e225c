import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, type ValidationContext, type ValidationRule } from "graphql";
import type { QueryLimits } from "../../config/limitsConfig.ts";
import { BadUserInputError } from "../../errors/gatewayError.ts";

/** Which limit refused an operation: `extensions.limit` of the refusal. */
export type QueryLimitKind = keyof QueryLimits;

const VARIABLES: Record<QueryLimitKind, string> = {
  depth: "GATEWAY_MAX_QUERY_DEPTH",
  cost: "GATEWAY_MAX_QUERY_COST",
  aliases: "GATEWAY_MAX_QUERY_ALIASES",
  directives: "GATEWAY_MAX_QUERY_DIRECTIVES",
  tokens: "GATEWAY_MAX_QUERY_TOKENS",
};

// What the operation did, with and without the number: production answers never reveal the limits,
// which would only help someone probe for the largest operation that still gets through.
const OVER: Record<QueryLimitKind, { exposed: (limit: number) => string; hidden: string }> = {
  depth: {
    exposed: (limit) => `nests fields more than ${limit} levels deep`,
    hidden: "nests fields too deeply",
  },
  cost: {
    exposed: (limit) => `asks for more than the gateway serves at once, an estimated cost over ${limit}`,
    hidden: "asks for more than the gateway serves at once",
  },
  aliases: { exposed: (limit) => `uses more than ${limit} aliases`, hidden: "uses too many aliases" },
  directives: {
    exposed: (limit) => `uses more than ${limit} directives`,
    hidden: "uses too many directives",
  },
  tokens: { exposed: (limit) => `is longer than ${limit} tokens`, hidden: "is too long" },
};

const ADVICE: Record<QueryLimitKind, string> = {
  depth: "ask for fewer nested objects, or split it into several operations",
  cost: "ask for smaller pages (first) or fewer nested connections, or split it into several operations",
  aliases: "split it into several operations",
  directives: "split it into several operations",
  tokens: "split it into several operations",
};

export interface QueryLimitPolicy {
  limits: QueryLimits;
  /** Say the limit and the variable that sets it (dev); false in production. */
  exposeLimits: boolean;
}

/**
 * The error an operation over a limit gets, over HTTP and graphql-ws alike: BAD_USER_INPUT (the
 * client must change the operation; retrying it will not help) with `extensions.limit` naming the
 * limit. Nothing of the operation has run when it is made. `http` makes Apollo answer 400 when it is
 * thrown after validation (the cost check).
 */
export function queryLimitRefusal(kind: QueryLimitKind, policy: QueryLimitPolicy): GraphQLError {
  const over = policy.exposeLimits
    ? `${OVER[kind].exposed(policy.limits[kind])} (${VARIABLES[kind]})`
    : OVER[kind].hidden;
  const message = `The operation ${over}: ${ADVICE[kind]}.`;
  return new GraphQLError(message, {
    originalError: new BadUserInputError(message, { limit: kind }),
    extensions: { http: { status: 400 } },
  });
}

/**
 * graphql-armor's validation rules for depth, aliases and directives: the same list for Apollo
 * (validationRules) and graphql-ws (validated in onSubscribe), so both refuse the same documents. A
 * refusal is reported as a validation error, so the operation is never executed. Fragments count
 * for what they contain, not as a level of their own. Introspection's __schema is not counted for
 * depth (the explorer's schema query is 15 levels deep): graphql-js's own MaxIntrospectionDepthRule
 * (in specifiedRules, which both run) keeps its lists from being nested in one another instead.
 */
export function queryLimitRules(policy: QueryLimitPolicy): ValidationRule[] {
  const { limits } = policy;
  const refuseWith =
    (kind: QueryLimitKind) =>
    (context: ValidationContext | null): void =>
      context?.reportError(queryLimitRefusal(kind, policy));
  const options = (kind: QueryLimitKind) => ({
    n: limits[kind],
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [refuseWith(kind)],
  });
  const armor = new ApolloArmor({
    maxDepth: { ...options("depth"), flattenFragments: true, ignoreIntrospection: true },
    maxAliases: options("aliases"),
    maxDirectives: options("directives"),
    // Cost needs the variables (page sizes), so it is checked once they are known (operationCost.ts).
    // Tokens are counted by graphql-js's parser (limitedParseOptions below), which Apollo answers as
    // a parse error; armor's Apollo plugin for them throws from a plugin hook instead. Suggestions:
    // Apollo's hideSchemaDetailsFromClientErrors, and hideSuggestions below for graphql-ws.
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules;
}

/** graphql-js stops parsing past `maxTokens` tokens, before building anything of a huge document. */
export const limitedParseOptions = (limits: QueryLimits) => ({ maxTokens: limits.tokens });

/** True for graphql-js's "Document contains more than N tokens" syntax error ("more that" in 16.x). */
export const isTokenLimitError = (error: unknown): boolean =>
  error instanceof GraphQLError && /Document contains more th(?:an|at) \d+ tokens/.test(error.message);

/**
 * A validation message without graphql-js's "Did you mean …?" hints, which name fields and types of
 * the schema. The same expression as Apollo's hideSchemaDetailsFromClientErrors, for graphql-ws.
 */
export const hideSuggestions = (message: string): string => message.replace(/ ?Did you mean(.+?)\?$/, "");
