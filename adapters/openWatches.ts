/**
 * The watches an adapter has running, so that close() stops every one. `track` wraps a watch's stop
 * function so that stopping it also forgets it.
 */
export class OpenWatches {
  readonly #stops = new Set<() => Promise<void>>();

  track(stop: () => Promise<void>): () => Promise<void> {
    const stopOnce = async () => {
      this.#stops.delete(stopOnce);
      await stop();
    };
    this.#stops.add(stopOnce);
    return stopOnce;
  }

  /** Stops every open watch; a watch that fails to stop does not keep the others running. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#stops].map((stop) => stop()));
  }
}
