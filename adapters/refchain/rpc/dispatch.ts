import { errorResponse, type JsonRpcId, type JsonRpcResponse } from "./jsonRpc.ts";
import { isInternal, RpcError, RpcErrorCode, toErrorObject } from "./rpcError.ts";

/** A method handler: takes the request's raw `params` (it validates them), returns a JSON-safe result. */
export type RpcHandler = (params: unknown) => unknown;

export interface DispatchOptions {
  methods: { readonly [name: string]: RpcHandler };
  /** Called with what a method threw that was neither a refusal nor a protocol error; the caller only sees -32603. */
  onInternalError: (error: unknown, method: string) => void;
  /** Requests in one batch, at most. Default 1000. */
  maxBatch?: number;
}

const isId = (id: unknown): id is JsonRpcId =>
  id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));

/**
 * Answers one parsed JSON-RPC payload, a request or a batch, the same way for HTTP, WebSocket and
 * in-process callers. Resolves to the response (an array for a batch), or undefined when there is
 * nothing to answer (notifications only). Never rejects: every failure is a JSON-RPC error.
 */
export async function dispatch(
  payload: unknown,
  options: DispatchOptions,
): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
  if (!Array.isArray(payload)) return dispatchRequest(payload, options);
  const maxBatch = options.maxBatch ?? 1000;
  if (payload.length === 0) return invalidRequest(null, "an empty batch");
  if (payload.length > maxBatch) {
    return invalidRequest(null, `a batch of ${payload.length} requests; the limit is ${maxBatch}`);
  }
  const responses = await Promise.all(payload.map((request) => dispatchRequest(request, options)));
  const answered = responses.filter((response) => response !== undefined);
  return answered.length > 0 ? answered : undefined;
}

const invalidRequest = (id: JsonRpcId, why: string) =>
  errorResponse(id, { code: RpcErrorCode.InvalidRequest, message: `Invalid Request: ${why}` });

/** Answers one request object; undefined for a notification. */
export async function dispatchRequest(
  request: unknown,
  options: DispatchOptions,
): Promise<JsonRpcResponse | undefined> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return invalidRequest(null, "a request is a JSON object with jsonrpc, method and id");
  }
  const r = request as Record<string, unknown>;
  const isNotification = !("id" in r);
  if (!isNotification && !isId(r.id)) return invalidRequest(null, "id must be a string, a number or null");
  const id = (r.id ?? null) as JsonRpcId;
  if (r.jsonrpc !== "2.0") return invalidRequest(id, 'jsonrpc must be "2.0"');
  if (typeof r.method !== "string") return invalidRequest(id, "method must be a string");
  const method = r.method;
  let response: JsonRpcResponse;
  try {
    // Own properties only: "constructor" or "__proto__" must not reach Object.prototype.
    if (!Object.hasOwn(options.methods, method)) {
      throw new RpcError(RpcErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 100)}`);
    }
    const handler = options.methods[method] as RpcHandler;
    response = { jsonrpc: "2.0", id, result: (await handler(r.params)) ?? null };
  } catch (error) {
    if (isInternal(error)) options.onInternalError(error, method);
    response = errorResponse(id, toErrorObject(error));
  }
  return isNotification ? undefined : response;
}
