import type { ApiKeyRecord, Store } from "../store/store.ts";

export interface ApiKeyUseRecorderOptions {
  store: Pick<Store, "recordApiKeyUse">;
  /** A key's lastUsedAt is written at most once per this many milliseconds. Default 60 s. */
  intervalMs?: number;
  /** At most this many keys remembered. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds since the epoch (lastUsedAt is a wall-clock time); tests pass their own. Default `Date.now`. */
  now?: () => number;
  /** Where a failed write goes; without one it is dropped (the next use a minute later tries again). */
  onError?: (error: unknown, apiKeyId: string) => void;
}

/**
 * Keeps API keys' lastUsedAt up to date cheaply: authentication runs on every request, but a key's
 * use is written at most once a minute, and never waited for. The minute counts from the last write
 * this process made, or from the record's own lastUsedAt (which another replica may have written),
 * whichever is later; so each replica writes a busy key at most once a minute, and usually less.
 */
export class ApiKeyUseRecorder {
  readonly #store: Pick<Store, "recordApiKeyUse">;
  readonly #intervalMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown, apiKeyId: string) => void;
  /** Key id → when this process last wrote its use; in write order, so the oldest come first. */
  readonly #written = new Map<string, number>();

  constructor(options: ApiKeyUseRecorderOptions) {
    this.#store = options.store;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /** `key` was just used to authenticate a request. */
  used(key: ApiKeyRecord): void {
    const now = this.#now();
    const last = Math.max(this.#written.get(key.id) ?? -Infinity, key.lastUsedAt?.getTime() ?? -Infinity);
    if (now - last < this.#intervalMs) return;
    this.#remember(key.id, now);
    this.#store
      .recordApiKeyUse(key.id, new Date(now))
      .catch((error: unknown) => this.#onError(error, key.id));
  }

  #remember(id: string, at: number): void {
    this.#written.delete(id);
    // Entries older than the interval no longer hold anything back: drop them first, then, if still
    // full, the oldest (a key forgotten early is at worst written once more).
    for (const [oldId, writtenAt] of this.#written) {
      if (at - writtenAt < this.#intervalMs && this.#written.size < this.#maxEntries) break;
      this.#written.delete(oldId);
    }
    this.#written.set(id, at);
  }
}
