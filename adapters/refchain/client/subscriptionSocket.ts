import WebSocket from "ws";
import type { JsonRpcNotification, JsonRpcResponse } from "../rpc/jsonRpc.ts";
import { fromErrorObject, isErrorObject, type RpcErrorObject } from "../rpc/rpcError.ts";
import { SUBSCRIPTION_NOTIFICATION } from "../rpc/rpcSchema.ts";
import type { SubscriptionListener } from "./transport.ts";
import { TransportError } from "./transportError.ts";

/**
 * One WebSocket to a node carrying any number of subscriptions. It does not reconnect: when it
 * closes, every listener is told through `error` (with the server's last word when it sent one,
 * e.g. that this subscriber was too slow), and the transport opens a new socket for new subscriptions.
 */
export class SubscriptionSocket {
  readonly #url: string;
  readonly #ws: WebSocket;
  readonly #opened: Promise<void>;
  readonly #pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #listeners = new Map<string, SubscriptionListener>();
  readonly #closed: Promise<void>;
  #nextId = 1;
  #ended = false;
  #closing = false;
  #serverError: RpcErrorObject | undefined;
  #socketError: Error | undefined;

  constructor(url: string) {
    this.#url = url;
    this.#ws = new WebSocket(url, { perMessageDeflate: false });
    this.#opened = new Promise((resolve, reject) => {
      this.#ws.once("open", () => resolve());
      this.#ws.once("close", (code, reason) => reject(this.#closeError(code, reason.toString())));
    });
    this.#opened.catch(() => undefined); // awaited by subscribe, which reports it
    this.#closed = new Promise((resolve) => this.#ws.once("close", () => resolve()));
    this.#ws.on("message", (data) => this.#onMessage(data.toString()));
    this.#ws.on("error", (error) => {
      this.#socketError = error;
    });
    this.#ws.on("close", (code, reason) => this.#onClose(code, reason.toString()));
  }

  /** Closed, or closing: take a new socket for new subscriptions. */
  get ended(): boolean {
    return this.#ended || this.#closing;
  }

  /** Resolves with the subscription id once the node confirms it; the listener hears everything after that. */
  async subscribe(params: unknown[], listener: SubscriptionListener): Promise<string> {
    await this.#opened;
    // Registered inside the response handler, before the next message (a notification for it) is read.
    const id = await this.#call("refchain_subscribe", params, (result) =>
      this.#listeners.set(result as string, listener),
    );
    return id as string;
  }

  async unsubscribe(id: string): Promise<void> {
    if (!this.#listeners.delete(id) || this.ended) return;
    await this.#call("refchain_unsubscribe", [id]).catch((error: unknown) => {
      if (!this.ended) throw error; // a socket that closed meanwhile ended the subscription anyway
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) {
      this.#ws.close(1000, "client closed");
    }
    await this.#closed;
  }

  #call(method: string, params: unknown[], onResult?: (result: unknown) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.ended) {
        reject(new TransportError(`the subscription socket to ${this.#url} is closed`));
        return;
      }
      const id = this.#nextId++;
      this.#pending.set(id, {
        resolve: (result) => {
          onResult?.(result);
          resolve(result);
        },
        reject,
      });
      this.#ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  #onMessage(text: string): void {
    let message: JsonRpcNotification | JsonRpcResponse;
    try {
      message = JSON.parse(text);
    } catch {
      return; // the server never sends this; there is no one to answer
    }
    if (typeof message !== "object" || message === null) return;
    if ("method" in message) {
      const params = message.params as { subscription?: unknown; result?: unknown } | null;
      if (message.method !== SUBSCRIPTION_NOTIFICATION || typeof params?.subscription !== "string") return;
      this.#listeners.get(params.subscription)?.next(params.result);
      return;
    }
    if (message.id === null && "error" in message) {
      // The server's last word before it closes this socket (e.g. we read too slowly).
      this.#serverError = message.error;
      return;
    }
    const pending = this.#pending.get(message.id as number);
    if (!pending) return;
    this.#pending.delete(message.id as number);
    if ("error" in message && isErrorObject(message.error)) pending.reject(fromErrorObject(message.error));
    else pending.resolve((message as { result: unknown }).result);
  }

  #closeError(code: number, reason: string): Error {
    if (this.#serverError) return fromErrorObject(this.#serverError);
    const why = this.#socketError ? `: ${this.#socketError.message}` : reason ? `: ${reason}` : "";
    return new TransportError(`the subscription socket to ${this.#url} closed (code ${code})${why}`, {
      cause: this.#socketError,
    });
  }

  #onClose(code: number, reason: string): void {
    this.#ended = true;
    const error = this.#closeError(code, reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    const listeners = [...this.#listeners.values()];
    this.#listeners.clear();
    if (!this.#closing) for (const listener of listeners) listener.error(error);
  }
}
