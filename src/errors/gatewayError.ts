// One error hierarchy for everything the gateway refuses on purpose. Each class carries a code from
// DESIGN.md; src/graphql/formatError.ts maps them to `extensions.code` in one place, and masks
// anything else as INTERNAL_SERVER_ERROR. Messages are sentences a person can act on.

export type GatewayErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "INSUFFICIENT_FUNDS"
  | "IDEMPOTENCY_CONFLICT"
  | "CROSS_CHAIN_UNSUPPORTED"
  | "UNSUPPORTED"
  | "CHAIN_UNAVAILABLE"
  | "RATE_LIMITED";

export abstract class GatewayError extends Error {
  abstract readonly code: GatewayErrorCode;
  constructor(
    message: string,
    /** Extra, safe-to-show fields for `extensions` (e.g. the field at fault). */
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UnauthenticatedError extends GatewayError {
  override readonly name = "UnauthenticatedError";
  readonly code = "UNAUTHENTICATED";
}

export class ForbiddenError extends GatewayError {
  override readonly name = "ForbiddenError";
  readonly code = "FORBIDDEN";
}

/** Also what another tenant's ids answer: their existence is not disclosed. */
export class NotFoundError extends GatewayError {
  override readonly name = "NotFoundError";
  readonly code = "NOT_FOUND";
}

export class BadUserInputError extends GatewayError {
  override readonly name = "BadUserInputError";
  readonly code = "BAD_USER_INPUT";
}

export class InsufficientFundsError extends GatewayError {
  override readonly name = "InsufficientFundsError";
  readonly code = "INSUFFICIENT_FUNDS";
}

export class IdempotencyConflictError extends GatewayError {
  override readonly name = "IdempotencyConflictError";
  readonly code = "IDEMPOTENCY_CONFLICT";
}

export class CrossChainUnsupportedError extends GatewayError {
  override readonly name = "CrossChainUnsupportedError";
  readonly code = "CROSS_CHAIN_UNSUPPORTED";
}

export class UnsupportedError extends GatewayError {
  override readonly name = "UnsupportedError";
  readonly code = "UNSUPPORTED";
}

export class ChainUnavailableError extends GatewayError {
  override readonly name = "ChainUnavailableError";
  readonly code = "CHAIN_UNAVAILABLE";
}

export class RateLimitedError extends GatewayError {
  override readonly name = "RateLimitedError";
  readonly code = "RATE_LIMITED";
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;
