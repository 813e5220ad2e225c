import type { PaymentTracker } from "../events/paymentTracker.ts";
import type { Logger } from "../logger.ts";
import type { PaymentRecord } from "../store/store.ts";
import type { Lease } from "./lease.ts";

export interface ChainLeadershipOptions {
  chainId: string;
  lease: Lease;
  /** A tracker for one term as leader; every progress write it makes carries `fence`. */
  createTracker: (fence: bigint) => PaymentTracker;
  logger: Logger;
  /** A term ends when the lease could not be renewed for this long. */
  ttlMs: number;
  /** How often the leader renews, and a follower tries to take over. */
  checkEveryMs: number;
  /**
   * A gateway that runs alone: start() rejects when the tracker cannot start (the chain or the store
   * is down), as it always has. With replicas, start() never rejects: another replica may lead, and
   * a failed start is tried again at the next check.
   */
  alone: boolean;
}

const FOLLOWING = "following";
const NOT_FOLLOWING = "not following";

/**
 * Runs one chain's payment tracker on exactly one replica: the one holding the chain's lease. The
 * leader renews the lease every `checkEveryMs` and notes whether its tracker follows the chain; the
 * others try to take the lease at the same pace, so when the leader dies its lease expires after
 * `ttlMs` and a follower's tracker starts from the last block the store holds as applied — no block
 * is missed, and one applied twice is refused by the store (the old term's fence is lower).
 */
export class ChainLeadership {
  readonly chainId: string;
  readonly #options: ChainLeadershipOptions;
  readonly #logger: Logger;
  #tracker: PaymentTracker | null = null;
  #lastRenewedAt = 0;
  // What the leader last noted, as a follower saw it, and when.
  #leaderNote: string | null = null;
  #leaderNoteAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  // Checks run one at a time; stop() waits for the running one.
  #running: Promise<void> = Promise.resolve();

  constructor(options: ChainLeadershipOptions) {
    this.#options = options;
    this.chainId = options.chainId;
    this.#logger = options.logger.child({ component: "chainLeadership", chainId: options.chainId });
  }

  /** Takes the lead if it is free (starting the tracker) and keeps checking from then on. */
  async start(): Promise<void> {
    await this.#check(this.#options.alone);
    this.#schedule();
  }

  /** Stops the tracker and gives the lease up, so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.#stepDown("this gateway is stopping");
  }

  isLeader(): boolean {
    return this.#tracker !== null;
  }

  /** The tracker of the current term; null while another replica leads. */
  tracker(): PaymentTracker | null {
    return this.#tracker;
  }

  /** Hands a submitted payment to the tracker, when this replica leads (the leader's store scan covers the rest). */
  track(payment: PaymentRecord): void {
    this.#tracker?.track(payment);
  }

  /**
   * Whether the chain is being followed: by our tracker when we lead, or, as the leader noted at its
   * last renewal, by another replica's.
   */
  ready(): boolean {
    if (this.#tracker !== null) return this.#tracker.ready();
    const fresh = Date.now() - this.#leaderNoteAt <= this.#options.ttlMs;
    return fresh && this.#leaderNote === FOLLOWING;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#check(false).finally(() => this.#schedule());
    }, this.#options.checkEveryMs);
    this.#timer.unref();
  }

  async #check(rethrow: boolean): Promise<void> {
    if (this.#stopped) return;
    const { lease } = this.#options;
    if (this.#tracker !== null) {
      const note = this.#tracker.ready() ? FOLLOWING : NOT_FOLLOWING;
      try {
        if (await lease.renew(note)) {
          this.#lastRenewedAt = Date.now();
          return;
        }
        await this.#stepDown("another replica holds the lease now");
      } catch (error) {
        // Redis away: we may still hold the lease, until it would have expired.
        if (Date.now() - this.#lastRenewedAt >= this.#options.ttlMs - this.#options.checkEveryMs) {
          this.#logger.warn({ err: error }, "could not renew the chain's lease");
          await this.#stepDown("the lease could not be renewed before it expired");
        }
      }
      return;
    }

    let taken: Awaited<ReturnType<typeof lease.acquire>>;
    try {
      taken = await lease.acquire();
    } catch (error) {
      this.#logger.warn({ err: error }, "could not check the chain's lease");
      if (rethrow) throw error;
      return;
    }
    if (taken.fence === null) {
      this.#leaderNote = taken.holderNote;
      this.#leaderNoteAt = Date.now();
      return;
    }
    const tracker = this.#options.createTracker(taken.fence);
    this.#lastRenewedAt = Date.now();
    try {
      await tracker.start();
    } catch (error) {
      this.#logger.error({ err: error, fence: taken.fence }, "took the lead but could not start the tracker");
      await tracker.stop().catch(() => {});
      await lease.release().catch(() => {});
      if (rethrow) throw error;
      return;
    }
    if (this.#stopped) {
      await tracker.stop();
      await lease.release().catch(() => {});
      return;
    }
    this.#tracker = tracker;
    this.#logger.info({ fence: taken.fence }, "this replica follows the chain now");
  }

  async #stepDown(reason: string): Promise<void> {
    const tracker = this.#tracker;
    if (tracker === null) return;
    this.#tracker = null;
    this.#logger.warn({ reason }, "this replica stops following the chain");
    await tracker.stop();
    await this.#options.lease
      .release()
      .catch((error: unknown) =>
        this.#logger.warn({ err: error }, "could not release the chain's lease; it expires on its own"),
      );
  }
}
