import type { RpcErrorObject } from "./rpcError.ts";

// The JSON-RPC 2.0 envelope (https://www.jsonrpc.org/specification), as both ends see it.

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  /** Absent for a notification, which gets no response. */
  id?: JsonRpcId;
  method: string;
  params?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: RpcErrorObject };

/** A server-to-client message without an id: subscription results. */
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params: unknown;
}

export const errorResponse = (id: JsonRpcId, error: RpcErrorObject): JsonRpcResponse => ({
  jsonrpc: "2.0",
  id,
  error,
});
