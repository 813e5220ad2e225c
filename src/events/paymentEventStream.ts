import type { PaymentEventRecord, Store } from "../store/store.ts";
import type { ChainHeadEvent, EventBus } from "./eventBus.ts";

/** Whose events a subscription wants: a tenant's, narrowed to one account or one subnet. */
export interface PaymentEventStreamFilter {
  tenantId: string;
  accountId?: string;
  subnetId?: string;
}

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
 * How: listen on the bus first, then read the log; a live event is delivered only once every event
 * below its cursor is accounted for (the "watermark"). A live event above the next expected cursor
 * (several writers publish in any order; a lost or repeated notification) makes the stream read the
 * log again, so order and completeness never depend on the bus. A consumer that lets more than
 * `maxBuffered` live events pile up loses the pile, not events: it reads them from the log.
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

export const matchesPaymentEventFilter = (
  filter: PaymentEventStreamFilter,
  event: PaymentEventRecord,
): boolean =>
  event.tenantId === filter.tenantId &&
  (filter.accountId === undefined || event.accountId === filter.accountId) &&
  (filter.subnetId === undefined || event.subnetId === filter.subnetId);

async function* streamPaymentEvents(
  params: PaymentEventStreamParameters,
  signal: AbortSignal,
): AsyncGenerator<PaymentEventRecord, void, undefined> {
  const { store, bus, filter } = params;
  const maxBuffered = params.maxBuffered ?? 10_000;
  const pageSize = params.pageSize ?? 500;

  let lastSent = params.after;
  // Every event of the whole log (any tenant) with a cursor ≤ watermark is accounted for: sent if it
  // matched, known not to match otherwise. null until the first read of the log.
  let watermark: bigint | null = null;
  let maxSeen: bigint | null = null;
  // Live events above the watermark, by cursor: the event when it matches, null when it does not
  // (kept so the watermark can move past it without a read).
  const pending = new Map<bigint, PaymentEventRecord | null>();
  let overflowed = false;
  const wakeup = createWakeup(signal);

  // Subscribed before the first read: whatever is committed after that read is published after it.
  const unsubscribe = bus.onPaymentEvents((events) => {
    for (const event of events) {
      if (maxSeen === null || event.cursor > maxSeen) maxSeen = event.cursor;
      if (overflowed || (watermark !== null && event.cursor <= watermark)) continue;
      pending.set(event.cursor, matchesPaymentEventFilter(filter, event) ? event : null);
    }
    if (pending.size > maxBuffered) {
      pending.clear();
      overflowed = true;
    }
    wakeup.notify();
  });

  try {
    let readLog = true;
    while (!signal.aborted) {
      if (readLog || overflowed) {
        // Listening resumes before the read, so what the read misses arrives in `pending`.
        overflowed = false;
        let seenBeforeRead: bigint | null = maxSeen;
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
        for (const cursor of pending.keys()) if (cursor <= watermark) pending.delete(cursor);
        readLog = false;
        continue;
      }
      if (watermark === null) throw new Error("unreachable: the log is read before going live");

      const next = pending.get(watermark + 1n);
      if (next !== undefined) {
        pending.delete(watermark + 1n);
        watermark += 1n;
        if (next !== null && next.cursor > lastSent) {
          lastSent = next.cursor;
          yield next;
        }
        continue;
      }
      if (pending.size > 0) {
        // Something above the next expected cursor arrived first: the log knows what is in between.
        readLog = true;
        continue;
      }
      await wakeup.wait();
    }
  } finally {
    unsubscribe();
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
