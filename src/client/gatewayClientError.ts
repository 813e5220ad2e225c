import type { GraphQLFormattedError } from "graphql";

export interface GatewayClientErrorOptions {
  /** The GraphQL errors as the gateway sent them; empty when the request never got a GraphQL answer. */
  errors?: readonly GraphQLFormattedError[];
  /** The HTTP status, for a request over HTTP. */
  status?: number;
  /** The data that came along with the errors, if any (a partial result). */
  data?: unknown;
  cause?: unknown;
}

/**
 * A request or subscription that did not give its data: the gateway answered with GraphQL errors
 * (`code` is the first one's `extensions.code`: NOT_FOUND, INSUFFICIENT_FUNDS, IDEMPOTENCY_CONFLICT…),
 * or the gateway could not be reached or closed the connection (`errors` is empty).
 */
export class GatewayClientError extends Error {
  override readonly name = "GatewayClientError";
  readonly errors: readonly GraphQLFormattedError[];
  /** extensions.code of the first GraphQL error; undefined when there was none. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly data: unknown;

  constructor(message: string, options: GatewayClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errors = options.errors ?? [];
    const code = this.errors[0]?.extensions?.code;
    this.code = typeof code === "string" ? code : undefined;
    this.status = options.status;
    this.data = options.data;
  }

  /** An error for a GraphQL answer with errors: its message lists each as "CODE: message". */
  static fromGraphQLErrors(
    errors: readonly GraphQLFormattedError[],
    options: Omit<GatewayClientErrorOptions, "errors"> = {},
  ): GatewayClientError {
    const lines = errors.map((error) => {
      const code = error.extensions?.code;
      return typeof code === "string" ? `${code}: ${error.message}` : error.message;
    });
    return new GatewayClientError(lines.join("\n"), { ...options, errors });
  }
}

export const isGatewayClientError = (error: unknown): error is GatewayClientError =>
  error instanceof GatewayClientError;
