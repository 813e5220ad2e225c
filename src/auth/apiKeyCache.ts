import type { ApiKeyRecord } from "../store/store.ts";

export interface ApiKeyCacheOptions {
  /**
   * How long a key found in the store is trusted without asking again. Default 5 s. Revocations
   * reach every replica's cache at once over the event bus (`invalidateKeyId`); this is the backstop
   * for one whose notification was lost: how long such a key keeps working here. 0 turns the cache off.
   */
  ttlMs?: number;
  /** At most this many keys held. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds from a monotonic clock; tests pass their own. Default `performance.now`. */
  now?: () => number;
}

interface Entry {
  record: ApiKeyRecord;
  expiresAt: number;
}

/**
 * API-key records by secret hash, for a few seconds: authentication sits on every request, and the
 * store lookup was a tenth of the gateway's CPU. Only keys the store found are held (revoked ones
 * too, so they are refused without a lookup); an unknown key is never cached, so a flood of made-up
 * keys costs lookups but cannot push real keys out or grow the cache.
 *
 * Every entry lives the same TTL, so insertion order is expiry order: when full, the oldest entry,
 * the one nearest to expiring anyway, makes room. That is an LRU's effect without reordering on hits.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(options: ApiKeyCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The record held for `secretHash`, unless it is missing or expired. */
  get(secretHash: string): ApiKeyRecord | undefined {
    const entry = this.#entries.get(secretHash);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(secretHash);
      return undefined;
    }
    return entry.record;
  }

  /** Holds what the store answered for `record.secretHash`, unless an invalidation came after `lookedUpAt`. */
  set(record: ApiKeyRecord, lookedUpAt = this.#generation): void {
    if (this.#ttlMs <= 0 || this.#maxEntries <= 0 || lookedUpAt !== this.#generation) return;
    const now = this.#now();
    // Re-inserting puts the key at the back, where its new expiry belongs.
    this.#entries.delete(record.secretHash);
    for (const [hash, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(hash);
    }
    this.#entries.set(record.secretHash, { record, expiresAt: now + this.#ttlMs });
  }

  /** Forgets one key: call it when this process revokes the key, so the next request asks the store. */
  invalidate(secretHash: string): void {
    this.#generation++;
    this.#entries.delete(secretHash);
  }

  /** Forgets the key with this id (what a revocation notice names); a scan, as revocations are rare. */
  invalidateKeyId(id: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#entries) if (entry.record.id === id) this.#entries.delete(hash);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /**
   * Moves on at every invalidation. A lookup that started before one may have read the key before it
   * was revoked: `set` with the generation read before the lookup holds nothing then, so a stale
   * record is never cached past the notice that should have removed it.
   */
  get generation(): number {
    return this.#generation;
  }

  /** How many keys are held (expired ones included until they are touched or pushed out). */
  get size(): number {
    return this.#entries.size;
  }
}
