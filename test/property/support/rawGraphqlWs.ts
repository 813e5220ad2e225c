import WebSocket from "ws";

// A graphql-ws (graphql-transport-ws) socket driven by hand, below graphql-ws's own client: it sends
// any frame, keeps every message, and tells how the socket ended, so a property can judge each.

export interface ProtocolMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface SocketClose {
  code: number;
  reason: string;
}

/** What one subscribe message got: its messages, up to its first result, error or completion. */
export interface SubscribeOutcome {
  messages: ProtocolMessage[];
  /** Set when the socket closed before the operation answered. */
  closed?: SocketClose;
}

/**
 * Close codes a server may end a socket with on bad input: a message it cannot read (4400), one too
 * large (1009), an unauthorized or repeated subscription (4401, 4409), an init too late or twice
 * (4408, 4429), the wrong subprotocol (4406), invalid UTF-8 in a text frame (1007), and normal
 * closure. Not among them: 4500 and 1011, an error inside the server.
 */
export const ORDERLY_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000, 1001, 1005, 1007, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429,
]);

export class RawGraphqlWsSocket {
  readonly #socket: WebSocket;
  readonly #listeners = new Set<(message: ProtocolMessage) => void>();
  #closed: SocketClose | undefined;
  readonly #closedListeners = new Set<(close: SocketClose) => void>();
  #nextId = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on("message", (data) => {
      let message: ProtocolMessage;
      try {
        message = JSON.parse(String(data)) as ProtocolMessage;
      } catch {
        message = { type: "(not JSON)", payload: String(data) };
      }
      for (const listener of this.#listeners) listener(message);
    });
    socket.on("close", (code, reason) => {
      this.#closed = { code, reason: String(reason) };
      for (const listener of this.#closedListeners) listener(this.#closed);
    });
    // A refused or reset socket also closes; the close is what the tests judge.
    socket.on("error", () => {});
  }

  /**
   * Opens a socket and (unless `handshake` is false) sends connection_init with this key and waits
   * for the ack.
   */
  static async open(url: string, apiKey?: string, { handshake = true } = {}): Promise<RawGraphqlWsSocket> {
    const socket = new WebSocket(url, "graphql-transport-ws");
    const raw = new RawGraphqlWsSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("close", (code) => reject(new Error(`socket closed before it opened (${code})`)));
    });
    if (!handshake) return raw;
    const ack = raw.#next((message) => message.type === "connection_ack");
    raw.send({ type: "connection_init", payload: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
    const answer = await ack;
    if (typeof answer === "string") {
      raw.close();
      throw new Error(`no connection_ack (${answer}): ${JSON.stringify(raw.closed)}`);
    }
    return raw;
  }

  get closed(): SocketClose | undefined {
    return this.#closed;
  }

  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(data);
  }

  /** Resolves with the socket's close, or with "open" if it is still open after `waitMs`. */
  async closedWithin(waitMs: number): Promise<SocketClose | "open"> {
    if (this.#closed) return this.#closed;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#closedListeners.delete(onClose);
        resolve("open");
      }, waitMs);
      const onClose = (close: SocketClose) => {
        clearTimeout(timer);
        resolve(close);
      };
      this.#closedListeners.add(onClose);
    });
  }

  /**
   * Sends a subscribe message with this payload and collects what comes back for it until its first
   * `next` (then completes it), an `error`, a `complete`, the socket's close, or `quietMs` of silence
   * (a valid subscription with nothing to tell yet; then completes it).
   */
  async subscribe(payload: unknown, quietMs = 300): Promise<SubscribeOutcome> {
    const id = `s${++this.#nextId}`;
    const messages: ProtocolMessage[] = [];
    const answered = this.#next((message) => {
      if (message.id !== id) return false;
      messages.push(message);
      return true;
    }, quietMs);
    this.send({ id, type: "subscribe", payload });
    const answer = await answered;
    if (answer === "closed") return { messages, closed: this.#closed as SocketClose };
    if (answer === "quiet" || answer.type === "next") this.send({ id, type: "complete" });
    return { messages };
  }

  close(): void {
    this.#socket.close();
  }

  /** The first message `matches` accepts, "closed" if the socket closes first, or "quiet" after `quietMs`. */
  #next(
    matches: (message: ProtocolMessage) => boolean,
    quietMs = 10_000,
  ): Promise<ProtocolMessage | "closed" | "quiet"> {
    if (this.#closed) return Promise.resolve("closed");
    return new Promise((resolve) => {
      const done = (result: ProtocolMessage | "closed" | "quiet") => {
        clearTimeout(timer);
        this.#listeners.delete(onMessage);
        this.#closedListeners.delete(onClose);
        resolve(result);
      };
      const onMessage = (message: ProtocolMessage) => {
        if (matches(message)) done(message);
      };
      const onClose = () => done("closed");
      const timer = setTimeout(() => done("quiet"), quietMs);
      this.#listeners.add(onMessage);
      this.#closedListeners.add(onClose);
    });
  }
}
