/** graphql-ws close code and reason for a socket whose API key was revoked while it was open. */
export const CLOSE_REVOKED = { code: 4401, reason: "Unauthorized: API key revoked" } as const;

/** The part of a WebSocket (ws's) this registry uses. */
export interface KeyedSocket {
  close(code: number, reason: string): void;
  once(event: "close", listener: () => void): unknown;
}

export interface SocketsByApiKeyOptions {
  /**
   * How long a revoked key is remembered, so a socket that authenticated with it just before the
   * notice (its lookup in flight) is closed as it registers. Default 60 s.
   */
  rememberRevokedMs?: number;
  /** Milliseconds from a monotonic clock; tests pass their own. Default `performance.now`. */
  now?: () => number;
}

/**
 * The open graphql-ws sockets of this replica, by the API key each authenticated with, so that a
 * revoked key's sockets can be closed (4401) rather than serve subscriptions until the client leaves.
 * A socket leaves the registry when it closes, however it closes.
 */
export class SocketsByApiKey {
  readonly #sockets = new Map<string, Set<KeyedSocket>>();
  /** Key id → when its revocation was heard; in that order, so the oldest come first. */
  readonly #revoked = new Map<string, number>();
  readonly #rememberRevokedMs: number;
  readonly #now: () => number;

  constructor(options: SocketsByApiKeyOptions = {}) {
    this.#rememberRevokedMs = options.rememberRevokedMs ?? 60_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Registers an authenticated socket; one whose key was revoked meanwhile is closed instead. */
  add(apiKeyId: string, socket: KeyedSocket): void {
    if (this.#wasRevoked(apiKeyId)) {
      closeRevoked(socket);
      return;
    }
    let sockets = this.#sockets.get(apiKeyId);
    if (sockets === undefined) {
      sockets = new Set();
      this.#sockets.set(apiKeyId, sockets);
    }
    sockets.add(socket);
    socket.once("close", () => this.#remove(apiKeyId, socket));
  }

  /** The key was revoked: closes its sockets, and any that registers with it for a while. */
  revoked(apiKeyId: string): void {
    const now = this.#now();
    this.#revoked.delete(apiKeyId);
    this.#revoked.set(apiKeyId, now);
    for (const [id, at] of this.#revoked) {
      if (now - at < this.#rememberRevokedMs) break;
      this.#revoked.delete(id);
    }
    const sockets = this.#sockets.get(apiKeyId);
    this.#sockets.delete(apiKeyId);
    for (const socket of sockets ?? []) closeRevoked(socket);
  }

  /** The keys that have a socket open here. */
  apiKeyIds(): string[] {
    return [...this.#sockets.keys()];
  }

  /** How many sockets are registered. */
  get size(): number {
    let count = 0;
    for (const sockets of this.#sockets.values()) count += sockets.size;
    return count;
  }

  #wasRevoked(apiKeyId: string): boolean {
    const at = this.#revoked.get(apiKeyId);
    return at !== undefined && this.#now() - at < this.#rememberRevokedMs;
  }

  #remove(apiKeyId: string, socket: KeyedSocket): void {
    const sockets = this.#sockets.get(apiKeyId);
    if (sockets === undefined) return;
    sockets.delete(socket);
    if (sockets.size === 0) this.#sockets.delete(apiKeyId);
  }
}

/**
 * Closes on the next turn of the event loop, not inside the revocation: a tenant that revokes its
 * own key over this very socket still gets the mutation's answer, which is sent in the microtasks
 * right after the resolver returns.
 */
function closeRevoked(socket: KeyedSocket): void {
  setImmediate(() => socket.close(CLOSE_REVOKED.code, CLOSE_REVOKED.reason));
}
