import type { PaymentEventRecord, Store } from "../store/store.ts";
import type { ChainHeadEvent, EventBus } from "./eventBus.ts";
import { type PaymentEventStreamFilter, paymentEventRouter } from "./paymentEventRouter.ts";

export { matchesPaymentEventFilter, type PaymentEventStreamFilter } from "./paymentEventRouter.ts";

export interface PaymentEventStreamParameters {
  store: Store;
  bus: EventBus;
  filter: PaymentEventStreamFilter;
  /** Deliver events with a cursor strictly greater than this (0n: the whole log). */
  after: bigint;
  /** Ends the stream (as `return()` does). */
  signal?: AbortSignal;
  /**
   * Live events held for a consumer that is not pulling. Beyond it the stream drops them and reads
   * the durable log again when the consumer comes back. Default 10_000.
   */
  maxBuffered?: number;
  /** Events per store read. Default 500. */
  pageSize?: number;
}

/**
 * A tenant's payment events: the log after `after`, then live, in cursor order, with no gap and no
 * duplicate. `return()` unsubscribes (graphql-ws calls it when the client stops).
 *
 * How: listen first (through the bus's PaymentEventRouter, which hands a stream only the events its
 * filter matches), then read the log; a live event is delivered only once every event below its
 * cursor is accounted for (the "watermark"): the cursors in between were all published (the router
 * remembers which were), so those of this filter are already here and the rest belong to others. A
 * cursor in between that was never published (several writers publish in any order; a lost or
 * repeated notification) makes the stream read the log again, so order and completeness never depend
 * on the bus. A consumer that lets more than `maxBuffered` live events pile up loses the pile, not
 * events: it reads them from the log. So does a stream whose bus says it may have lost notifications
 * (`onResync`: a Redis bus whose connection came back), without waiting for the next event to
 * reveal the hole.
 *
 * Relies on the store committing events in cursor order (SQLite: one writer). A store whose cursors
 * can commit out of order (a PostgreSQL sequence) needs the read to stop at the oldest open writer.
 */
export function paymentEventStream(
  params: PaymentEventStreamParameters,
): AsyncIterableIterator<PaymentEventRecord> {
  return cancellable(params.signal, (signal) => streamPaymentEvents(params, signal));
}

export interface ChainHeadStreamParameters {
  bus: EventBus;
  /** Only this chain's heads; every chain's when absent. */
  chainId?: string;
  signal?: AbortSignal;
}

/**
 * New chain heads, live only. A head supersedes the one before it, so a consumer that falls behind
 * skips to the newest head of each chain instead of buffering the ones it missed.
 */
export function chainHeadStream(params: ChainHeadStreamParameters): AsyncIterableIterator<ChainHeadEvent> {
  return cancellable(params.signal, (signal) => streamChainHeads(params, signal));
}

async function* streamPaymentEvents(
  params: PaymentEventStreamParameters,
  signal: AbortSignal,
): AsyncGenerator<PaymentEventRecord, void, undefined> {
  const { store, bus, filter } = params;
  const maxBuffered = params.maxBuffered ?? 10_000;
  const pageSize = params.pageSize ?? 500;
  const router = paymentEventRouter(bus);

  let lastSent = params.after;
  // Every event of the whole log (any tenant) with a cursor ≤ watermark is accounted for: sent if it
  // matched, known not to match otherwise. null until the first read of the log.
  let watermark: bigint | null = null;
  // Live events of this filter above the watermark, by cursor. Only this stream's events come in, so
  // waking costs what this stream receives, whatever the other streams get.
  const pending = new CursorQueue();
  let overflowed = false;
  // The bus may have lost notifications (a Redis reconnect): the log tells what they were.
  let resyncRequested = false;
  const wakeup = createWakeup(signal);

  // Registered before the first read: whatever is committed after that read is published after it.
  const unregister = router.register({
    filter,
    onEvents(events) {
      if (overflowed) return;
      for (const event of events) {
        if (watermark === null || event.cursor > watermark) pending.insert(event);
      }
      if (pending.size > maxBuffered) {
        pending.clear();
        overflowed = true;
      }
      wakeup.notify();
    },
  });
  const stopResync = bus.onResync?.(() => {
    resyncRequested = true;
    wakeup.notify();
  });

  try {
    let readLog = true;
    while (!signal.aborted) {
      if (readLog || overflowed || resyncRequested) {
        // Listening resumes before the read, so what the read misses arrives in `pending`.
        overflowed = false;
        resyncRequested = false;
        let seenBeforeRead: bigint | null = router.highestPublished;
        if (watermark === null) {
          // The first read: the newest cursor of the whole log tells how far it accounts for events of
          // other tenants too, so the first live event needs no second read.
          const newest = await store.latestEventCursor();
          if (seenBeforeRead === null || newest > seenBeforeRead) seenBeforeRead = newest;
        }
        const page = await store.readEvents({
          tenantId: filter.tenantId,
          accountId: filter.accountId,
          subnetId: filter.subnetId,
          after: lastSent,
          limit: pageSize,
        });
        for (const event of page) {
          if (signal.aborted) return;
          if (event.cursor <= lastSent) continue;
          lastSent = event.cursor;
          yield event;
        }
        if (page.length >= pageSize) continue;
        // The log is committed in cursor order and an event is published after its commit: the read
        // saw every event up to the highest cursor published before it started.
        let reached = lastSent;
        if (seenBeforeRead !== null && seenBeforeRead > reached) reached = seenBeforeRead;
        if (watermark === null || reached > watermark) watermark = reached;
        pending.dropThrough(watermark);
        readLog = false;
        continue;
      }
      if (watermark === null) throw new Error("unreachable: the log is read before going live");

      const next = pending.first();
      if (next === undefined) {
        await wakeup.wait();
        continue;
      }
      if (next.cursor <= watermark) {
        pending.shift(); // accounted for already (a repeated notification)
        continue;
      }
      // The cursors between the watermark and this event were all published: those of this filter
      // would be in `pending` before it, so they are other streams' events.
      if (!router.hasPublished(watermark + 1n, next.cursor - 1n)) {
        // One of them was not (yet): the log knows what is in between.
        readLog = true;
        continue;
      }
      pending.shift();
      watermark = next.cursor;
      if (next.cursor > lastSent) {
        lastSent = next.cursor;
        yield next;
      }
    }
  } finally {
    unregister();
    stopResync?.();
    wakeup.dispose();
  }
}

async function* streamChainHeads(
  params: ChainHeadStreamParameters,
  signal: AbortSignal,
): AsyncGenerator<ChainHeadEvent, void, undefined> {
  // The newest unsent head per chain; re-inserted on update so chains take turns in arrival order.
  const latest = new Map<string, ChainHeadEvent>();
  const wakeup = createWakeup(signal);
  const unsubscribe = params.bus.onHead((event) => {
    if (params.chainId !== undefined && event.chainId !== params.chainId) return;
    latest.delete(event.chainId);
    latest.set(event.chainId, event);
    wakeup.notify();
  });
  try {
    while (!signal.aborted) {
      const first = latest.entries().next();
      if (first.done) {
        await wakeup.wait();
        continue;
      }
      const [chainId, head] = first.value;
      latest.delete(chainId);
      yield head;
    }
  } finally {
    unsubscribe();
    wakeup.dispose();
  }
}

/** A one-shot wait a listener can end, and that an abort ends too. */
function createWakeup(signal: AbortSignal) {
  let resolve: (() => void) | null = null;
  const notify = () => {
    const waiting = resolve;
    resolve = null;
    waiting?.();
  };
  signal.addEventListener("abort", notify);
  return {
    notify,
    wait: () =>
      signal.aborted
        ? Promise.resolve()
        : new Promise<void>((done) => {
            resolve = done;
          }),
    dispose: () => signal.removeEventListener("abort", notify),
  };
}

/**
 * Wraps a generator so `return()` ends it even while it waits for the next event: a plain async
 * generator would queue `return()` behind the pending `next()` until some event arrived.
 */
function cancellable<T>(
  outer: AbortSignal | undefined,
  start: (signal: AbortSignal) => AsyncGenerator<T, void, undefined>,
): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (outer?.aborted) abort();
  else outer?.addEventListener("abort", abort, { once: true });
  const unlink = () => outer?.removeEventListener("abort", abort);
  const generator = start(controller.signal);

  const iterator: AsyncIterableIterator<T> = {
    async next() {
      try {
        const result = await generator.next();
        if (result.done) unlink();
        return result;
      } catch (error) {
        unlink();
        throw error;
      }
    },
    async return() {
      unlink();
      abort();
      await generator.return();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      unlink();
      abort();
      await generator.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Events sorted by cursor, each cursor once. Live events mostly arrive in cursor order, so inserting
 * is usually an append and taking the first is O(1).
 */
class CursorQueue {
  #events: PaymentEventRecord[] = [];
  #head = 0;

  get size(): number {
    return this.#events.length - this.#head;
  }

  first(): PaymentEventRecord | undefined {
    return this.#events[this.#head];
  }

  shift(): void {
    this.#head++;
    if (this.#head === this.#events.length) this.clear();
    else if (this.#head >= 1024 && this.#head * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  insert(event: PaymentEventRecord): void {
    const events = this.#events;
    const last = events[events.length - 1];
    if (last === undefined || this.size === 0 || event.cursor > last.cursor) {
      events.push(event);
      return;
    }
    // Out of order: the first position whose cursor is not below this one.
    let low = this.#head;
    let high = events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((events[middle] as PaymentEventRecord).cursor < event.cursor) low = middle + 1;
      else high = middle;
    }
    if (events[low]?.cursor === event.cursor) return; // delivered twice
    events.splice(low, 0, event);
  }

  /** Forgets the events at or below `cursor`. */
  dropThrough(cursor: bigint): void {
    while (this.size > 0 && (this.first() as PaymentEventRecord).cursor <= cursor) this.#head++;
    if (this.size === 0) this.clear();
  }

  clear(): void {
    this.#events = [];
    this.#head = 0;
  }
}
