import { type ControlledTransaction, type Kysely, sql } from "kysely";
import type { Database } from "../database.ts";
import { paymentEventRow } from "../rowCodec.ts";
import type { NewPaymentEvent, PaymentEventRecord } from "../store.ts";

/** Builds a write's answer once the events it logged have their cursors. */
export type FinishWrite<T> = (appended: readonly PaymentEventRecord[]) => T;

/** The answer of a write that answers nothing. */
export const nothing: FinishWrite<void> = () => {};

/** One write's body: its row changes in `trx`, its events pushed onto `log` (appended at commit). */
export type WriteBody<T> = (
  trx: ControlledTransaction<Database>,
  log: NewPaymentEvent[],
) => Promise<FinishWrite<T>>;

interface QueuedWrite {
  body: WriteBody<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome =
  | { ok: true; finish: FinishWrite<unknown>; log: NewPaymentEvent[] }
  | { ok: false; error: unknown };

/** Bounds one transaction's length (and the row locks it holds) under a burst of writes. */
const MAX_BATCH = 200;

// Namespaces our advisory locks; the second key is the event table's oid, so two stores in two
// schemas of one database do not wait on each other.
const EVENT_LOG_LOCK_CLASS = 0x76670001;

/**
 * The store's writes, as PostgreSQL transactions, in the order they were issued.
 *
 * One transaction at a time per process, as SQLite's writer does: the writes queued while one
 * commits go together into the next, each in a SAVEPOINT of its own, so one that fails is rolled
 * back and rejected alone, and one COMMIT pays for the batch. Issue order is commit order within the
 * process, and a write can only ever wait on another process's transaction, which PostgreSQL's
 * deadlock detector sees (never on a JavaScript queue it cannot see).
 *
 * Event cursors follow commit order across processes too. A sequence hands out values in call
 * order, not commit order: two transactions may take 7 and 8 and commit 8 first, and a reader that
 * saw 8 (latestEventCursor, a subscription's handover) would then miss 7 for good. So a batch's
 * events are appended last, right before COMMIT, under a transaction-level advisory lock on the log
 * (pg_advisory_xact_lock): appenders in every process take cursors and commit one at a time, and
 * PostgreSQL releases the lock only after the commit is visible, so every event below a visible
 * cursor is visible too. Holding the lock, a batch only inserts events referencing rows it has
 * already written, so it never waits on another transaction's row lock while others wait on it.
 *
 * Listeners hear of a batch's events after COMMIT returns and before any of its writers is resolved.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  readonly #committed: (events: readonly PaymentEventRecord[]) => void;
  readonly #queue: QueuedWrite[] = [];
  #draining: Promise<void> | null = null;

  constructor(db: Kysely<Database>, committed: (events: readonly PaymentEventRecord[]) => void) {
    this.#db = db;
    this.#committed = committed;
  }

  run<T>(body: WriteBody<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ body, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves once every write issued so far has settled. */
  async settled(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async #drain(): Promise<void> {
    // The writes issued in this event-loop turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) await this.#commitBatch(this.#queue.splice(0, MAX_BATCH));
    this.#draining = null;
  }

  async #commitBatch(batch: QueuedWrite[]): Promise<void> {
    let trx: ControlledTransaction<Database> | undefined;
    try {
      trx = await this.#db.startTransaction().execute();
      // A lone write needs no savepoint: if it fails, the whole transaction is its own.
      const isolate = batch.length > 1;
      const outcomes: Outcome[] = [];
      for (const write of batch) {
        if (isolate) await sql`SAVEPOINT write`.execute(trx);
        const log: NewPaymentEvent[] = [];
        try {
          const finish = await write.body(trx, log);
          if (isolate) await sql`RELEASE SAVEPOINT write`.execute(trx);
          outcomes.push({ ok: true, finish, log });
        } catch (error) {
          if (!isolate) throw error;
          await sql`ROLLBACK TO SAVEPOINT write`.execute(trx);
          outcomes.push({ ok: false, error });
        }
      }
      const logged = outcomes.flatMap((outcome) => (outcome.ok ? outcome.log : []));
      const appended = logged.length === 0 ? [] : await this.#append(trx, logged);
      await trx.commit().execute();
      if (appended.length > 0) this.#committed(appended);
      let next = 0;
      for (const [i, outcome] of outcomes.entries()) {
        const write = batch[i] as QueuedWrite;
        if (!outcome.ok) {
          write.reject(outcome.error);
          continue;
        }
        const own = appended.slice(next, next + outcome.log.length);
        next += outcome.log.length;
        try {
          write.resolve(outcome.finish(own));
        } catch (error) {
          write.reject(error);
        }
      }
    } catch (error) {
      // The batch did not commit: none of its writes happened.
      if (trx !== undefined && !trx.isCommitted && !trx.isRolledBack) {
        await trx
          .rollback()
          .execute()
          .catch(() => {});
      }
      for (const write of batch) write.reject(error);
    }
  }

  async #append(
    trx: ControlledTransaction<Database>,
    log: readonly NewPaymentEvent[],
  ): Promise<PaymentEventRecord[]> {
    await sql`SELECT pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK_CLASS)}, 'payment_events'::regclass::oid::int)`.execute(
      trx,
    );
    const appended: PaymentEventRecord[] = [];
    // One insert per event, in order: the cursor each gets is then the order they were logged in.
    for (const event of log) {
      const { cursor } = await trx
        .insertInto("payment_events")
        .values(paymentEventRow(event))
        .returning("cursor")
        .executeTakeFirstOrThrow();
      appended.push({ cursor, ...event });
    }
    return appended;
  }
}
