/**
 * Reads from a chain, shared: concurrent callers of one key get one read, later callers get its
 * result until it is `ttlMs` old (forever by default: token metadata never changes), and a read
 * that fails is forgotten at once, so the next caller tries again.
 */
export class SharedReads<K, V> {
  readonly #entries = new Map<K, { value: Promise<V>; at: number }>();
  readonly #ttlMs: number;

  constructor(options: { ttlMs?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
  }

  get(key: K, read: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.value;
    const entry = { value: read(), at: now };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }
}
