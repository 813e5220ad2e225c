import { isAdapterError } from "../../../adapters/types.ts";
import {
  BadUserInputError,
  ChainUnavailableError,
  type GatewayError,
  InsufficientFundsError,
  UnsupportedError,
} from "../../errors/gatewayError.ts";

/**
 * An adapter's refusal as the gateway's coded error: the one place AdapterError codes meet DESIGN.md's.
 * `field` names the input at fault, for BAD_USER_INPUT.
 */
export function toGatewayError(error: unknown, field?: string): GatewayError | unknown {
  if (!isAdapterError(error)) return error;
  const details = field ? { field } : {};
  switch (error.code) {
    case "INVALID_ADDRESS":
    case "UNKNOWN_ASSET":
    case "MEMO_TOO_LONG":
    case "BAD_AMOUNT":
      return new BadUserInputError(error.message, details, { cause: error });
    case "INSUFFICIENT_FUNDS":
      return new InsufficientFundsError(error.message, {}, { cause: error });
    case "UNSUPPORTED":
      return new UnsupportedError(error.message, {}, { cause: error });
    case "UNAVAILABLE":
      return new ChainUnavailableError(error.message, {}, { cause: error });
    case "REJECTED":
    case "EXPIRED":
      return new BadUserInputError(`The chain refused the transaction: ${error.message}`, details, {
        cause: error,
      });
  }
}

/** Runs an adapter call, turning its AdapterErrors into GatewayErrors. */
export async function adapterCall<T>(call: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toGatewayError(error, field);
  }
}

/** The synchronous form, for address checks. */
export function adapterCallSync<T>(call: () => T, field?: string): T {
  try {
    return call();
  } catch (error) {
    throw toGatewayError(error, field);
  }
}
