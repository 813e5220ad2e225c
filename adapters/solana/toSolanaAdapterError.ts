import { SendTransactionError } from "@solana/web3.js";
import { type RpcErrorReading, rpcAdapterError } from "../rpcAdapterError.ts";

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

const web3Errors: RpcErrorReading = {
  isUnreachable,
  refusalOf,
  summary: (error) => (error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)),
};

/** An error from web3.js as the AdapterError the gateway understands (see rpcAdapterError). */
export function toSolanaAdapterError(
  error: unknown,
  chainId: string,
  action: string,
  options: { refusalsAreRejected?: boolean } = {},
): unknown {
  return rpcAdapterError(web3Errors, error, chainId, action, options);
}
