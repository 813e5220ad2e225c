/** The labels of one GraphQL operation in gateway_graphql_requests_total and its histogram. */
export interface OperationLabels {
  operation: string;
  type: string;
  outcome: string;
}

/** An operation the gateway never resolved (not authenticated, not parsed, not valid): no name to give. */
export const UNKNOWN_OPERATION = "unknown";
/** A valid operation with no name. */
export const ANONYMOUS_OPERATION = "anonymous";
/** Any name past the first MAX_OPERATION_NAMES: callers choose names, and each one is a time series. */
export const OTHER_OPERATION = "other";
export const UNKNOWN_TYPE = "unknown";
export const OK = "ok";
/** An error code past the first MAX_OUTCOMES, or one that is not a plain code. */
export const OTHER_ERROR = "OTHER_ERROR";

const MAX_OPERATION_NAMES = 100;
const MAX_OUTCOMES = 50;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const OPERATION_TYPES = new Set(["query", "mutation", "subscription"]);

/**
 * Keeps the label values of GraphQL metrics bounded whatever clients send: operation names are
 * caller-chosen text, so the first MAX_OPERATION_NAMES distinct valid names are kept and the rest
 * count as "other"; error codes are the gateway's own, but a cap costs nothing. One per gateway.
 */
export class OperationLabeler {
  readonly #names = new Set<string>();
  readonly #outcomes = new Set<string>();

  /** The label of a resolved operation's name (only named after it validated, so junk never takes a slot). */
  operation(name: string | null | undefined): string {
    if (name === null || name === undefined || name === "") return ANONYMOUS_OPERATION;
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_OPERATION_NAMES || !OPERATION_NAME.test(name)) return OTHER_OPERATION;
    this.#names.add(name);
    return name;
  }

  type(operationType: string | null | undefined): string {
    return operationType !== null && operationType !== undefined && OPERATION_TYPES.has(operationType)
      ? operationType
      : UNKNOWN_TYPE;
  }

  /** "ok" when there are no errors, else the code of the first one (the error the client acts on). */
  outcome(
    errors: readonly { readonly extensions?: { readonly [key: string]: unknown } }[] | undefined,
  ): string {
    const first = errors?.[0];
    if (first === undefined) return OK;
    return this.code(first.extensions?.code);
  }

  /** The label of an error code (anything not a plain code, or past the cap, is OTHER_ERROR). */
  code(code: unknown): string {
    if (typeof code !== "string" || !ERROR_CODE.test(code)) return OTHER_ERROR;
    if (this.#outcomes.has(code)) return code;
    if (this.#outcomes.size >= MAX_OUTCOMES) return OTHER_ERROR;
    this.#outcomes.add(code);
    return code;
  }
}
