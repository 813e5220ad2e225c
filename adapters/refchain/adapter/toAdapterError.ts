import { AdapterError, type AdapterErrorCode } from "../../types.ts";
import { RefchainError, type RejectReason } from "../chain/errors.ts";
import { TransportError } from "../client/transportError.ts";
import { RpcError, RpcErrorCode } from "../rpc/rpcError.ts";

// Refusals the gateway answers with their own code; any other refusal is REJECTED with the reason.
const CODES: Partial<Record<RejectReason, AdapterErrorCode>> = {
  INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
  UNKNOWN_ASSET: "UNKNOWN_ASSET",
  UNKNOWN_SUBNET: "UNKNOWN_ASSET",
  MEMO_TOO_LONG: "MEMO_TOO_LONG",
  BAD_AMOUNT: "BAD_AMOUNT",
  BAD_ADDRESS: "INVALID_ADDRESS",
  FAUCET_DISABLED: "UNSUPPORTED",
  // Not a refusal for good: the node is busy, the same bytes may be sent again shortly.
  MEMPOOL_FULL: "UNAVAILABLE",
};

export interface ToAdapterErrorOptions {
  /** Broadcast: every refusal is REJECTED (with the reason in the message), except a full mempool. */
  refusalsAreRejected?: boolean;
}

const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/**
 * The one place refchain errors become AdapterErrors. A RefchainError (the chain refused) keeps its
 * reason in the message; a TransportError (node unreachable) and a node timeout or internal error
 * are UNAVAILABLE. Anything else (an AdapterError already, a bug) is returned as it is.
 * `action` names what was being done, for the message ("send the transfer").
 */
export function toAdapterError(error: unknown, action: string, options: ToAdapterErrorOptions = {}): unknown {
  if (error instanceof AdapterError) return error;
  if (error instanceof RefchainError) {
    const mapped = CODES[error.reason];
    const code =
      options.refusalsAreRejected && mapped !== "UNAVAILABLE" ? "REJECTED" : (mapped ?? "REJECTED");
    return new AdapterError(
      code,
      sentence(`refchain refused to ${action} (${error.reason}): ${error.message}`),
      { cause: error },
    );
  }
  if (error instanceof TransportError) {
    return new AdapterError("UNAVAILABLE", sentence(`Could not ${action}: ${error.message}`), {
      cause: error,
    });
  }
  if (
    error instanceof RpcError &&
    (error.code === RpcErrorCode.Timeout || error.code === RpcErrorCode.InternalError)
  ) {
    return new AdapterError("UNAVAILABLE", sentence(`Could not ${action}: ${error.message}`), {
      cause: error,
    });
  }
  return error;
}
