import { BaseError, HttpRequestError, RpcRequestError, TimeoutError } from "viem";
import { type RpcErrorReading, rpcAdapterError } from "../rpcAdapterError.ts";

/** What the node answered an RPC with, when it answered with a JSON-RPC error. */
export function rpcErrorMessage(error: unknown): string | null {
  if (!(error instanceof BaseError)) return null;
  const rpc = error.walk((cause) => cause instanceof RpcRequestError);
  if (rpc instanceof RpcRequestError) return rpc.details || rpc.shortMessage;
  return null;
}

/** Whether the node could not be reached (or did not answer in time), as opposed to answering "no". */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof BaseError)) {
    // fetch's own failures (connection refused, reset) arrive as TypeError("fetch failed").
    return error instanceof TypeError && /fetch failed/i.test(error.message);
  }
  if (error.walk((cause) => cause instanceof TimeoutError)) return true;
  const http = error.walk((cause) => cause instanceof HttpRequestError);
  // No HTTP status: the request never got an answer. 5xx: a proxy or a node that is down.
  return http instanceof HttpRequestError && (http.status === undefined || http.status >= 500);
}

const viemErrors: RpcErrorReading = {
  isUnreachable,
  refusalOf: rpcErrorMessage,
  summary: (error) => (error instanceof BaseError ? error.shortMessage : String(error)),
};

/** An error from viem as the AdapterError the gateway understands (see rpcAdapterError). */
export function toEvmAdapterError(
  error: unknown,
  chainId: string,
  action: string,
  options: { refusalsAreRejected?: boolean } = {},
): unknown {
  return rpcAdapterError(viemErrors, error, chainId, action, options);
}
