import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { isGatewayError } from "../errors/gatewayError.ts";

/** Codes GraphQL and Apollo give to request errors (parsing, validation, variables): shown as they are. */
const REQUEST_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
  // Gateway codes carried by a GraphQLError made outside a resolver (authentication in the context).
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "RATE_LIMITED",
]);

export const INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR";

const where = (formatted: GraphQLFormattedError) => ({
  ...(formatted.locations ? { locations: formatted.locations } : {}),
  ...(formatted.path ? { path: formatted.path } : {}),
});

/** True when `error` is one the gateway did not mean to give: it is masked, and must be logged. */
export function isInternalError(error: unknown): boolean {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isGatewayError(original)) return false;
  if (!(original instanceof GraphQLError)) return true;
  const code = original.extensions?.code;
  return !(typeof code === "string" ? REQUEST_CODES.has(code) : original.path === undefined);
}

/**
 * The one place errors become `extensions.code`, for HTTP and WebSocket alike: GatewayErrors keep
 * their code, message and details; GraphQL's own request errors keep their code (BAD_USER_INPUT when
 * they have none); anything else is masked as INTERNAL_SERVER_ERROR (the original is logged by the
 * caller of this function, with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isGatewayError(original)) {
    return {
      message: original.message,
      ...where(formatted),
      extensions: { code: original.code, ...original.details },
    };
  }
  if (!isInternalError(error)) {
    const code = formatted.extensions?.code;
    return {
      message: formatted.message,
      ...where(formatted),
      extensions: { code: typeof code === "string" ? code : "BAD_USER_INPUT" },
    };
  }
  const requestId = formatted.extensions?.requestId;
  return {
    message: "Internal server error. It has been logged; quote the requestId when reporting it.",
    ...where(formatted),
    extensions: { code: INTERNAL_SERVER_ERROR, ...(typeof requestId === "string" ? { requestId } : {}) },
  };
}
