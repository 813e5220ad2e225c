import type {
  RefchainMethod,
  RefchainRpcSchema,
  SubscriptionKind,
  SubscriptionSchema,
} from "../rpc/rpcSchema.ts";

/** Receives one subscription's results, as JSON, until it ends. */
export interface SubscriptionListener<T = unknown> {
  next(result: T): void;
  /** The subscription ended without being asked to (the socket closed, the server dropped it). No `next` follows. */
  error(error: Error): void;
}

/**
 * How a RefchainClient reaches a node. Two implementations: inProcessTransport (calls the node's
 * method table directly) and rpcTransport (HTTP and WebSocket). Both speak the same JSON shapes
 * (rpc/rpcSchema.ts) and throw the same errors: a RefchainError with the node's reason when the
 * chain refuses, an RpcError for protocol failures, a TransportError when the node cannot be reached.
 */
export interface RefchainTransport {
  /** For logs and test names. */
  readonly name: string;
  request<M extends RefchainMethod>(
    method: M,
    params: RefchainRpcSchema[M]["params"],
  ): Promise<RefchainRpcSchema[M]["result"]>;
  /**
   * Resolves once the subscription is live, so nothing that happens afterwards is missed, with the
   * function that ends it.
   */
  subscribe<K extends SubscriptionKind>(
    kind: K,
    params: SubscriptionSchema[K]["params"],
    listener: SubscriptionListener<SubscriptionSchema[K]["result"]>,
  ): Promise<() => Promise<void>>;
  /** Ends every subscription and frees connections. Never closes an in-process node: its owner does. */
  close(): Promise<void>;
}
