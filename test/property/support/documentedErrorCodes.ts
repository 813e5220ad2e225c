import type { GatewayErrorCode } from "../../../src/errors/gatewayError.ts";

// The one list of `extensions.code` values a client may ever see, for the property tests. A code not
// in it (INTERNAL_SERVER_ERROR above all) means the gateway failed to say what was wrong.

/**
 * The gateway's own codes (DESIGN.md, README "Errors"). A Record, so that a code added to
 * GatewayErrorCode without being listed here fails the type check.
 */
const GATEWAY_CODES: Record<GatewayErrorCode, true> = {
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  BAD_USER_INPUT: true,
  INSUFFICIENT_FUNDS: true,
  IDEMPOTENCY_CONFLICT: true,
  CROSS_CHAIN_UNSUPPORTED: true,
  UNSUPPORTED: true,
  CHAIN_UNAVAILABLE: true,
  RATE_LIMITED: true,
};

/**
 * What GraphQL and Apollo Server answer a request they cannot run with: a document that does not
 * parse or validate, a body that is no GraphQL request, an operationName the document lacks, an
 * unknown persisted query. Apollo documents these; src/graphql/formatError.ts lets them through.
 */
const GRAPHQL_REQUEST_CODES = [
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
] as const;

export const DOCUMENTED_ERROR_CODES: ReadonlySet<string> = new Set([
  ...Object.keys(GATEWAY_CODES),
  ...GRAPHQL_REQUEST_CODES,
]);

/** The gateway's own codes, which README.md must name. */
export const GATEWAY_ERROR_CODES: readonly string[] = Object.keys(GATEWAY_CODES);
