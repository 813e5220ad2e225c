import { RefchainError, type RejectReason } from "../chain/errors.ts";

/**
 * The JSON-RPC 2.0 error codes the node answers with. -32700…-32600 are the protocol's own;
 * -32000…-32099 are reserved by the spec for the server, and these are ours.
 */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The chain refused the request; `data.reason` holds the RejectReason. */
  Rejected: -32000,
  /** A wait ran out before what it waited for happened. */
  Timeout: -32001,
  /** A WebSocket subscriber fell too far behind and was dropped. */
  SubscriberTooSlow: -32002,
  /** The method needs what this connection lacks (subscriptions over plain HTTP). */
  Unsupported: -32003,
  /** A per-connection limit was reached. */
  LimitExceeded: -32004,
} as const;

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A JSON-RPC error that is not the chain refusing something: bad params, unknown method, timeout, … */
export class RpcError extends Error {
  override name = "RpcError" as const;
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const INTERNAL_MESSAGE = "internal error: the node logged the details and keeps serving";

/**
 * Turns anything a method threw into the error object a client receives. This is the one place
 * errors are translated: a RefchainError keeps its reason, an RpcError its code, and anything else
 * is masked so internals never leak (the caller logs it, see `isInternal`).
 */
export function toErrorObject(error: unknown): RpcErrorObject {
  if (error instanceof RefchainError) {
    return { code: RpcErrorCode.Rejected, message: error.message, data: { reason: error.reason } };
  }
  if (error instanceof RpcError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  return { code: RpcErrorCode.InternalError, message: INTERNAL_MESSAGE };
}

/** True for what toErrorObject masks: a bug or an outage, not a refusal. */
export const isInternal = (error: unknown): boolean =>
  !(error instanceof RefchainError || error instanceof RpcError);

/**
 * The inverse, on the client side: a refusal becomes the RefchainError the node threw, with the
 * same reason, so callers handle one error type whichever transport they use.
 */
export function fromErrorObject(object: RpcErrorObject): RefchainError | RpcError {
  const data = object.data as { reason?: unknown } | undefined;
  if (object.code === RpcErrorCode.Rejected && typeof data?.reason === "string") {
    // A newer node may name a reason this client does not list yet: keep it rather than lose it.
    return new RefchainError(data.reason as RejectReason, object.message);
  }
  return new RpcError(object.code, object.message, object.data);
}

/** Whether a parsed JSON value has the shape of an error object. */
export function isErrorObject(value: unknown): value is RpcErrorObject {
  const o = value as RpcErrorObject | null;
  return typeof o === "object" && o !== null && typeof o.code === "number" && typeof o.message === "string";
}
