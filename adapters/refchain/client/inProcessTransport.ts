import type { RefchainNode } from "../chain/node.ts";
import { dispatchRequest } from "../rpc/dispatch.ts";
import { createRefchainMethods, type RefchainMethodsOptions } from "../rpc/methods.ts";
import { fromErrorObject, isInternal, toErrorObject } from "../rpc/rpcError.ts";
import { subscribe } from "../rpc/subscribe.ts";
import type { RefchainTransport } from "./transport.ts";
import { TransportError } from "./transportError.ts";

export interface InProcessTransportOptions extends RefchainMethodsOptions {
  /** Where failures that are bugs go; callers only see -32603, as over RPC. Default console.error. */
  onInternalError?: (error: unknown, method: string) => void;
}

/**
 * Reaches a node in this process through the same method table the RPC server serves, without
 * sockets or serialization: same validation, same results, same errors as rpcTransport.
 */
export function inProcessTransport(
  node: RefchainNode,
  options: InProcessTransportOptions = {},
): RefchainTransport {
  const methods = createRefchainMethods(node, options);
  const onInternalError =
    options.onInternalError ??
    ((error: unknown, method: string) => console.error(`refchain: ${method} failed`, error));
  const subscriptions = new Set<() => void>();
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new TransportError("the refchain transport is closed");
  };

  return {
    name: "inProcessTransport",

    async request(method, params) {
      checkOpen();
      const response = await dispatchRequest(
        { jsonrpc: "2.0", id: 0, method, params },
        { methods, onInternalError },
      );
      if (!response) throw new TransportError(`no response to ${method}`); // only notifications lack one
      if ("error" in response) throw fromErrorObject(response.error);
      return response.result as never;
    },

    async subscribe(kind, params, listener) {
      checkOpen();
      let active = true;
      let stop: () => void;
      try {
        // Results reach the listener after the block is done: listener code never runs inside block production.
        stop = subscribe(node, [kind, ...params], (result) =>
          queueMicrotask(() => {
            if (active) listener.next(result as never);
          }),
        );
      } catch (error) {
        if (isInternal(error)) onInternalError(error, "refchain_subscribe");
        throw fromErrorObject(toErrorObject(error));
      }
      const end = () => {
        active = false;
        stop();
        subscriptions.delete(end);
      };
      subscriptions.add(end);
      return async () => end();
    },

    async close() {
      closed = true;
      for (const end of subscriptions) end();
    },
  };
}
