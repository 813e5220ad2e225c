import type { PaymentEventRecord } from "../store/store.ts";
import type { EventBus } from "./eventBus.ts";

/** Whose events a subscription wants: a tenant's, narrowed to one account or one subnet. */
export interface PaymentEventStreamFilter {
  tenantId: string;
  accountId?: string;
  subnetId?: string;
}

export const matchesPaymentEventFilter = (
  filter: PaymentEventStreamFilter,
  event: PaymentEventRecord,
): boolean =>
  event.tenantId === filter.tenantId &&
  (filter.accountId === undefined || event.accountId === filter.accountId) &&
  (filter.subnetId === undefined || event.subnetId === filter.subnetId);

/** One open subscription, as the router sees it. */
export interface PaymentEventSubscriber {
  filter: PaymentEventStreamFilter;
  /**
   * This subscriber's events of one published batch, in the batch's order; called synchronously
   * inside publish, so it must only queue work. Never called with an empty list.
   */
  onEvents(events: readonly PaymentEventRecord[]): void;
}

/**
 * The one bus listener behind every payment-event stream of a bus: each published event goes only to
 * the subscribers whose filter matches it (found by account, subnet and tenant, never by looking at
 * every subscriber), so a publish costs what its events match, not the number of open streams.
 *
 * Because a subscriber no longer sees the events it does not want, the router also remembers which
 * cursors were published while anyone was listening (`hasPublished`): that is how a stream tells "the
 * cursors between my watermark and this event belong to others" from "something is missing".
 */
export interface PaymentEventRouter {
  /** Starts delivering to `subscriber`; returns the function that stops (idempotent). */
  register(subscriber: PaymentEventSubscriber): () => void;
  /**
   * True when every cursor in [from, to] was published since the router started listening (it
   * listens while at least one subscriber is registered); true for an empty range (from > to). A
   * false answer may be conservative (the router forgets old holes): the caller reads the log.
   */
  hasPublished(from: bigint, to: bigint): boolean;
  /** The highest cursor published since the router started listening; null when none was. */
  readonly highestPublished: bigint | null;
  /** Subscribers registered now. */
  readonly size: number;
}

// Streams find their bus's router here, so a bus gets exactly one, created on first use; the bus
// contract stays as it is (any transport works, Redis included).
const routers = new WeakMap<EventBus, PaymentEventRouter>();

/** The router of `bus`, created on first use; every stream of the same bus shares it. */
export function paymentEventRouter(bus: EventBus): PaymentEventRouter {
  let router = routers.get(bus);
  if (router === undefined) {
    router = createPaymentEventRouter(bus);
    routers.set(bus, router);
  }
  return router;
}

/**
 * A router of its own over `bus` (tests; `paymentEventRouter` is the shared one). It listens on the
 * bus only while it has subscribers, and forgets what was published when the last one leaves.
 */
export function createPaymentEventRouter(bus: EventBus): PaymentEventRouter {
  // Each subscriber sits in exactly one index, by its narrowest filter field, so none is found twice.
  const byAccount = new Map<string, Set<PaymentEventSubscriber>>();
  const bySubnet = new Map<string, Set<PaymentEventSubscriber>>();
  const byTenant = new Map<string, Set<PaymentEventSubscriber>>();
  let size = 0;
  let published = new CursorRanges();
  let unsubscribe: (() => void) | null = null;

  const indexOf = (filter: PaymentEventStreamFilter): [Map<string, Set<PaymentEventSubscriber>>, string] =>
    filter.accountId !== undefined
      ? [byAccount, filter.accountId]
      : filter.subnetId !== undefined
        ? [bySubnet, filter.subnetId]
        : [byTenant, filter.tenantId];

  function route(events: readonly PaymentEventRecord[]): void {
    // Every cursor first: a subscriber that runs later asks about the whole batch.
    for (const event of events) published.add(event.cursor);
    let failure: { error: unknown } | null = null;
    const deliver = (subscriber: PaymentEventSubscriber, share: readonly PaymentEventRecord[]) => {
      // A subscriber that throws must not cost the others their events: a stream cannot notice an
      // event it never got (its cursor counts as published), so every subscriber gets its share.
      try {
        subscriber.onEvents(share);
      } catch (error) {
        failure ??= { error };
      }
    };
    if (events.length === 1) {
      const [event] = events as [PaymentEventRecord];
      for (const subscriber of matching(event)) deliver(subscriber, events);
    } else {
      // A subscriber gets its share of the batch in one call, so it wakes once per batch.
      const shares = new Map<PaymentEventSubscriber, PaymentEventRecord[]>();
      for (const event of events) {
        for (const subscriber of matching(event)) {
          const share = shares.get(subscriber);
          if (share === undefined) shares.set(subscriber, [event]);
          else share.push(event);
        }
      }
      for (const [subscriber, share] of shares) deliver(subscriber, share);
    }
    // Rethrown once everyone has had their events, so the bus reports it.
    if (failure !== null) throw (failure as { error: unknown }).error;
  }

  function* matching(event: PaymentEventRecord): Generator<PaymentEventSubscriber> {
    // The index narrows by one field; the full filter still decides (an account filter of another
    // tenant, or one that names a subnet too, must not receive this event).
    const found = [
      byAccount.get(event.accountId),
      bySubnet.get(event.subnetId),
      byTenant.get(event.tenantId),
    ];
    for (const subscribers of found) {
      if (subscribers === undefined) continue;
      for (const subscriber of subscribers) {
        if (matchesPaymentEventFilter(subscriber.filter, event)) yield subscriber;
      }
    }
  }

  return {
    register(subscriber) {
      const [index, key] = indexOf(subscriber.filter);
      let subscribers = index.get(key);
      if (subscribers === undefined) {
        subscribers = new Set();
        index.set(key, subscribers);
      }
      // A wrapper per registration: the same subscriber registered twice is two subscriptions.
      const entry: PaymentEventSubscriber = {
        filter: subscriber.filter,
        onEvents: (events) => subscriber.onEvents(events),
      };
      subscribers.add(entry);
      size++;
      unsubscribe ??= bus.onPaymentEvents(route);
      let registered = true;
      return () => {
        if (!registered) return;
        registered = false;
        const current = index.get(key);
        current?.delete(entry);
        if (current?.size === 0) index.delete(key);
        size--;
        if (size === 0) {
          unsubscribe?.();
          unsubscribe = null;
          // Nobody asks about these cursors any more: the next subscriber reads the log first.
          published = new CursorRanges();
        }
      };
    },
    hasPublished: (from, to) => published.covers(from, to),
    get highestPublished() {
      return published.highest;
    },
    get size() {
      return size;
    },
  };
}

/**
 * A set of cursors as sorted, disjoint, non-adjacent ranges. Cursors mostly come in order, so an add
 * usually extends the last range; a hole (an event published late, or never) keeps a range apart
 * until it fills. Holes that never fill are forgotten beyond `maxRanges`, oldest first: forgetting
 * only makes `covers` answer false, which costs a stream a log read, never an event.
 */
class CursorRanges {
  readonly #starts: bigint[] = [];
  readonly #ends: bigint[] = [];
  #highest: bigint | null = null;

  constructor(private readonly maxRanges = 1024) {}

  get highest(): bigint | null {
    return this.#highest;
  }

  add(cursor: bigint): void {
    if (this.#highest === null || cursor > this.#highest) this.#highest = cursor;
    const starts = this.#starts;
    const ends = this.#ends;
    const last = ends.length - 1;
    const lastEnd = ends[last];
    if (lastEnd === undefined || cursor > lastEnd + 1n) {
      starts.push(cursor);
      ends.push(cursor);
      if (starts.length > this.maxRanges) {
        const forget = starts.length - Math.floor(this.maxRanges / 2);
        starts.splice(0, forget);
        ends.splice(0, forget);
      }
      return;
    }
    if (cursor === lastEnd + 1n) {
      ends[last] = cursor;
      return;
    }
    // Out of order: i is the last range that starts at or below the cursor (-1: none).
    const i = this.#rangeAtOrBelow(cursor);
    const end = ends[i];
    if (end !== undefined && cursor <= end) return; // published twice
    const joinsBelow = end !== undefined && cursor === end + 1n;
    const nextStart = starts[i + 1];
    const joinsAbove = nextStart !== undefined && cursor === nextStart - 1n;
    if (joinsBelow && joinsAbove) {
      ends[i] = ends[i + 1] as bigint;
      starts.splice(i + 1, 1);
      ends.splice(i + 1, 1);
    } else if (joinsBelow) {
      ends[i] = cursor;
    } else if (joinsAbove) {
      starts[i + 1] = cursor;
    } else {
      starts.splice(i + 1, 0, cursor);
      ends.splice(i + 1, 0, cursor);
    }
  }

  covers(from: bigint, to: bigint): boolean {
    if (from > to) return true;
    const end = this.#ends[this.#rangeAtOrBelow(from)];
    return end !== undefined && end >= to;
  }

  #rangeAtOrBelow(cursor: bigint): number {
    let low = 0;
    let high = this.#starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.#starts[middle] as bigint) <= cursor) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
