// JSON-RPC 2.0 framing as agave's jsonrpc-core does it: single requests and batches, notifications
// (no id) unanswered, its error codes, and u64 values written as exact integers.
import type { RpcMethod } from "./clusterMethods.ts";
import { INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError } from "./rpcError.ts";
import { asParams } from "./rpcParams.ts";

type Id = string | number | null;

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const errorResponse = (id: Id, error: RpcError): JsonRpcResponse => ({
  jsonrpc: "2.0",
  error: error.toJSON(),
  id,
});

export type InternalErrorReporter = (error: unknown, method: string) => void;

function answer(
  request: unknown,
  methods: Record<string, RpcMethod>,
  onInternalError: InternalErrorReporter,
): JsonRpcResponse | undefined {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(null, new RpcError(INVALID_REQUEST, "Invalid request"));
  }
  const { jsonrpc, method, params, id } = request as Record<string, unknown>;
  const isNotification = !("id" in request);
  const replyId: Id = typeof id === "string" || typeof id === "number" ? id : null;
  if (jsonrpc !== "2.0" || typeof method !== "string") {
    return errorResponse(replyId, new RpcError(INVALID_REQUEST, "Invalid request"));
  }
  let response: JsonRpcResponse;
  try {
    if (!Object.hasOwn(methods, method)) throw new RpcError(METHOD_NOT_FOUND, "Method not found");
    const handler = methods[method] as RpcMethod;
    response = { jsonrpc: "2.0", result: handler(asParams(params)) ?? null, id: replyId };
  } catch (error) {
    if (error instanceof RpcError) {
      response = errorResponse(replyId, error);
    } else {
      onInternalError(error, method);
      response = errorResponse(replyId, new RpcError(INTERNAL_ERROR, "Internal error"));
    }
  }
  return isNotification ? undefined : response;
}

/** Answers a request body (text); undefined when nothing is to be answered. */
export function answerBody(
  body: string,
  methods: Record<string, RpcMethod>,
  onInternalError: InternalErrorReporter,
): JsonRpcResponse | JsonRpcResponse[] | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return errorResponse(null, new RpcError(PARSE_ERROR, "Parse error"));
  }
  if (!Array.isArray(payload)) return answer(payload, methods, onInternalError);
  if (payload.length === 0) return errorResponse(null, new RpcError(INVALID_REQUEST, "Invalid request"));
  const responses = payload
    .map((request) => answer(request, methods, onInternalError))
    .filter((response) => response !== undefined);
  return responses.length === 0 ? undefined : responses;
}

// bigint values (lamports, u64 amounts) leave as bare integers: JSON.stringify cannot write them, and a
// Number would round balances above 2^53 that a validator writes exactly.
const BIGINT_MARK = "\uE000";
const BIGINT_PATTERN = new RegExp(`"${BIGINT_MARK}(\\d+)${BIGINT_MARK}"`, "g");

export function stringifyJson(value: unknown): string {
  let sawBigint = false;
  const text = JSON.stringify(value, (_key, item) => {
    if (typeof item !== "bigint") return item;
    sawBigint = true;
    return `${BIGINT_MARK}${item}${BIGINT_MARK}`;
  });
  return sawBigint ? text.replace(BIGINT_PATTERN, "$1") : text;
}
