/**
 * Next nonces per sender, kept here so that many transactions prepared at once from one address take
 * consecutive nonces without a round trip each. The first use of an address reads the chain (the
 * pending nonce, counting admitted transactions); `reset` forgets it so the next use reads again.
 */
export class NonceCache {
  readonly #counters = new Map<string, Promise<{ next: bigint }>>();
  readonly #read: (address: string) => Promise<bigint>;

  constructor(read: (address: string) => Promise<bigint>) {
    this.#read = read;
  }

  /** Takes the next nonce of `address`. Concurrent callers share one chain read and get consecutive nonces. */
  async reserve(address: string): Promise<bigint> {
    let counter = this.#counters.get(address);
    if (!counter) {
      const reading = this.#read(address).then((next) => ({ next }));
      counter = reading;
      this.#counters.set(address, reading);
      // A failed read is not remembered: the next caller tries again.
      reading.catch(() => {
        if (this.#counters.get(address) === reading) this.#counters.delete(address);
      });
    }
    const state = await counter;
    const nonce = state.next;
    state.next += 1n;
    return nonce;
  }

  /** Forgets `address`: its next reservation reads the chain again. */
  reset(address: string): void {
    this.#counters.delete(address);
  }
}
