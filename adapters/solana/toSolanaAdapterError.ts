import { SendTransactionError } from "@solana/web3.js";
import { AdapterError } from "../types.ts";

/** Whether the endpoint could not be reached or answered as a server in trouble, rather than "no". */
export function isUnreachable(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/.test(code)
    )
      return true;
    if (
      /fetch failed|socket hang up|network|503 Service Unavailable|502 Bad Gateway|504 Gateway Timeout/i.test(
        cause.message,
      )
    )
      return true;
  }
  return false;
}

/** What the endpoint said when it refused a transaction: its message and, for a preflight failure, the simulation's. */
export function refusalOf(error: unknown): string | null {
  if (error instanceof SendTransactionError) {
    const { message, logs } = error.transactionError;
    const last = logs?.filter((line) => /failed|error|insufficient/i.test(line)).at(-1);
    return last ? `${message} (${last})` : message;
  }
  return null;
}

/**
 * An error from web3.js as the AdapterError the gateway understands: an unreachable endpoint is
 * UNAVAILABLE; a refusal is REJECTED when `refusalsAreRejected` (sending), and otherwise stays the
 * fault it is.
 */
export function toSolanaAdapterError(
  error: unknown,
  chainId: string,
  action: string,
  options: { refusalsAreRejected?: boolean } = {},
): unknown {
  if (error instanceof AdapterError) return error;
  if (isUnreachable(error)) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return new AdapterError(
      "UNAVAILABLE",
      `${chainId} is unavailable: could not ${action} (${reason}). Try again once its endpoint answers.`,
      { cause: error },
    );
  }
  const refusal = refusalOf(error);
  if (refusal !== null && options.refusalsAreRejected) {
    return new AdapterError("REJECTED", `${chainId} refused to ${action}: ${refusal}.`, { cause: error });
  }
  return error;
}
