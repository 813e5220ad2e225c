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

/** What a tenant over its operation budget (GATEWAY_RATE_LIMIT) was refused with, and when to retry. */
export interface RateLimitRefusal {
  tenantId: string;
  /** The budget: at most `points` operations in each window of `windowSeconds`. */
  points: number;
  windowSeconds: number;
  /** Seconds until the budget has room again; the error rounds it up to whole seconds, at least 1. */
  retryAfterSeconds: number;
}

/**
 * A tenant's operation refused because it used up its budget. `extensions.retryAfterSeconds` (and,
 * over HTTP, the Retry-After header) tells the client when to try again; nothing was run.
 */
export class RateLimitedError extends GatewayError {
  override readonly name = "RateLimitedError";
  readonly code = "RATE_LIMITED";
  /** Whole seconds, at least 1: what a client waits before it retries. */
  readonly retryAfterSeconds: number;

  constructor({ tenantId, points, windowSeconds, retryAfterSeconds }: RateLimitRefusal) {
    // A client that retried after 0 s would only be refused again.
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      `Tenant ${tenantId} made more than ${points} ${points === 1 ? "request" : "requests"} in ` +
        `${describeWindow(windowSeconds)}; retry in ${seconds} s.`,
      { retryAfterSeconds: seconds },
    );
    this.retryAfterSeconds = seconds;
  }
}

/** 60 → "1 minute", 30 → "30 seconds", 7200 → "2 hours": the window as GATEWAY_RATE_LIMIT would say it. */
function describeWindow(seconds: number): string {
  const count = (amount: number, unit: string) => `${amount} ${unit}${amount === 1 ? "" : "s"}`;
  if (seconds % 3600 === 0) return count(seconds / 3600, "hour");
  if (seconds % 60 === 0) return count(seconds / 60, "minute");
  return count(seconds, "second");
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;
