import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import type { RefchainNode } from "../chain/node.ts";
import { dispatch, type RpcHandler } from "./dispatch.ts";
import { errorResponse, type JsonRpcNotification } from "./jsonRpc.ts";
import type { RefchainMethodTable } from "./methods.ts";
import { Params } from "./params.ts";
import { RpcError, RpcErrorCode } from "./rpcError.ts";
import { SUBSCRIPTION_NOTIFICATION } from "./rpcSchema.ts";
import { subscribe } from "./subscribe.ts";

export interface WebSocketSessionOptions {
  node: RefchainNode;
  methods: RefchainMethodTable;
  /** Bytes queued for this socket, at most, before it counts as too slow and is dropped. */
  maxBufferedBytes: number;
  maxSubscriptions: number;
  onInternalError: (error: unknown, method: string) => void;
  /** Told when this session is dropped for being too slow. */
  onDropped: () => void;
}

/** Close code for a dropped slow subscriber: 1008, policy violation (it broke the buffer limit). */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 1008;

/**
 * One WebSocket connection: the same methods as HTTP, plus subscriptions. Subscription results are
 * written from inside block production, so nothing here ever waits on the peer: each message goes
 * to the socket's buffer, and a peer that lets that buffer grow past the limit is sent one final
 * error and closed, its subscriptions gone. The chain and every other connection carry on.
 */
export class WebSocketSession {
  readonly #ws: WebSocket;
  readonly #options: WebSocketSessionOptions;
  readonly #methods: { readonly [name: string]: RpcHandler };
  readonly #subscriptions = new Map<string, () => void>();
  #dropped = false;

  constructor(ws: WebSocket, options: WebSocketSessionOptions) {
    this.#ws = ws;
    this.#options = options;
    this.#methods = {
      ...options.methods,
      refchain_subscribe: (params) => this.#subscribe(params),
      refchain_unsubscribe: (params) => this.#unsubscribe(params),
    };
    ws.on("message", (data) => void this.#onMessage(data.toString()));
    ws.on("close", () => this.#unsubscribeAll());
    // A reset connection reports an error, then closes: nothing more to do than not crash.
    ws.on("error", () => this.#unsubscribeAll());
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** Ends the session at once, without waiting for the peer (server shutdown). */
  terminate(): void {
    this.#unsubscribeAll();
    this.#ws.terminate();
  }

  async #onMessage(text: string): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      this.#send(
        JSON.stringify(
          errorResponse(null, {
            code: RpcErrorCode.ParseError,
            message: "Parse error: the message is not valid JSON",
          }),
        ),
      );
      return;
    }
    const response = await dispatch(payload, {
      methods: this.#methods,
      onInternalError: this.#options.onInternalError,
    });
    if (response !== undefined) this.#send(JSON.stringify(response));
  }

  #subscribe(params: unknown): string {
    if (this.#subscriptions.size >= this.#options.maxSubscriptions) {
      throw new RpcError(
        RpcErrorCode.LimitExceeded,
        `a connection holds at most ${this.#options.maxSubscriptions} subscriptions`,
      );
    }
    const id = randomBytes(8).toString("hex");
    const notify = (result: unknown) => {
      const message: JsonRpcNotification = {
        jsonrpc: "2.0",
        method: SUBSCRIPTION_NOTIFICATION,
        params: { subscription: id, result },
      };
      this.#send(JSON.stringify(message));
    };
    this.#subscriptions.set(id, subscribe(this.#options.node, params, notify));
    return id;
  }

  #unsubscribe(params: unknown): boolean {
    const id = new Params("refchain_unsubscribe", params, ["subscription"]).string(0, "subscription", {
      maxLength: 64,
    });
    const unsubscribe = this.#subscriptions.get(id);
    if (!unsubscribe) return false;
    unsubscribe();
    this.#subscriptions.delete(id);
    return true;
  }

  #unsubscribeAll(): void {
    for (const unsubscribe of this.#subscriptions.values()) unsubscribe();
    this.#subscriptions.clear();
  }

  #send(text: string): void {
    if (this.#dropped || this.#ws.readyState !== WebSocket.OPEN) return;
    // bufferedAmount counts what the kernel would not take yet: it grows only when the peer stops reading.
    if (this.#ws.bufferedAmount + Buffer.byteLength(text) > this.#options.maxBufferedBytes) {
      this.#drop();
      return;
    }
    this.#ws.send(text);
  }

  #drop(): void {
    this.#dropped = true;
    this.#unsubscribeAll();
    const limit = this.#options.maxBufferedBytes;
    const message = `Subscriber too slow: more than ${limit} bytes waited for this connection to read them; its subscriptions are dropped. Reconnect, and read faster or subscribe to less.`;
    this.#ws.send(
      JSON.stringify(errorResponse(null, { code: RpcErrorCode.SubscriberTooSlow, message, data: { limit } })),
    );
    // The close frame queues behind what is buffered; ws destroys the socket if the peer never answers it.
    this.#ws.close(SLOW_SUBSCRIBER_CLOSE_CODE, "subscriber too slow");
    this.#options.onDropped();
  }
}
