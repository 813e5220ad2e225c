import { AdapterError } from "./types.ts";

/** How one chain's client library tells an unreachable node from a refusal. */
export interface RpcErrorReading {
  /** The node could not be reached, or answered as a server in trouble. */
  isUnreachable(error: unknown): boolean;
  /** What the node said when it refused, or null when the error is not a refusal. */
  refusalOf(error: unknown): string | null;
  /** One line saying what went wrong, for an UNAVAILABLE message. */
  summary(error: unknown): string;
}

/**
 * A JSON-RPC client's error as the AdapterError the gateway understands: an unreachable node is
 * UNAVAILABLE; a refusal is REJECTED when `refusalsAreRejected` (sending), and otherwise stays the
 * fault it is (INTERNAL_SERVER_ERROR, logged).
 */
export function rpcAdapterError(
  reading: RpcErrorReading,
  error: unknown,
  chainId: string,
  action: string,
  options: { refusalsAreRejected?: boolean } = {},
): unknown {
  if (error instanceof AdapterError) return error;
  if (reading.isUnreachable(error)) {
    return new AdapterError(
      "UNAVAILABLE",
      `${chainId} is unavailable: could not ${action} (${reading.summary(error)}). Try again once its node answers.`,
      { cause: error },
    );
  }
  const refusal = reading.refusalOf(error);
  if (refusal !== null && options.refusalsAreRejected) {
    return new AdapterError("REJECTED", `${chainId} refused to ${action}: ${refusal}.`, { cause: error });
  }
  return error;
}
