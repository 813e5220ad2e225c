import type BetterSqlite3 from "better-sqlite3";

interface QueuedWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * What a batch's writes leave behind besides rows (the events they appended), kept in step with the
 * transaction: a write rolled back to its savepoint takes its entries with it.
 */
export interface CommitJournal {
  /** A position to roll back to, taken before each write. */
  mark(): number;
  rollbackTo(mark: number): void;
  /** The batch is durable: hand on what it appended (called before any writer is resolved). */
  committed(): void;
  /** The whole batch was rolled back. */
  abandoned(): void;
}

const NO_JOURNAL: CommitJournal = {
  mark: () => 0,
  rollbackTo: () => {},
  committed: () => {},
  abandoned: () => {},
};

/**
 * Group commit for one SQLite connection. Every write issued in the same event-loop turn waits for
 * the next setImmediate, then all of them run inside one `BEGIN IMMEDIATE … COMMIT`: one fsync pays
 * for the whole batch, which is what lets thousands of durable writes a second through one file.
 *
 * Each write runs inside its own SAVEPOINT, so one that throws is rolled back alone and rejects
 * alone; the rest of its batch commits. No caller is resolved before the COMMIT has returned: a
 * write that resolves is durable. Writes are synchronous functions (better-sqlite3 statements), so
 * nothing else can run on the connection while a batch is open.
 */
export class GroupCommit {
  readonly #db: BetterSqlite3.Database;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #rollback: BetterSqlite3.Statement;
  readonly #savepoint: BetterSqlite3.Statement;
  readonly #release: BetterSqlite3.Statement;
  readonly #rollbackToSavepoint: BetterSqlite3.Statement;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  #closed = false;

  readonly #journal: CommitJournal;

  constructor(db: BetterSqlite3.Database, journal: CommitJournal = NO_JOURNAL) {
    this.#db = db;
    this.#journal = journal;
    // IMMEDIATE takes the write lock up front (waiting out busy_timeout for another process), so a
    // batch never fails half-way on a lock it could not upgrade.
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#savepoint = db.prepare("SAVEPOINT write");
    this.#release = db.prepare("RELEASE write");
    this.#rollbackToSavepoint = db.prepare("ROLLBACK TO write");
  }

  /** Runs `write` in the next batch; resolves with its result once the batch has committed. */
  run<T>(write: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("The store is closed."));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Commits what is queued now, then refuses new writes. */
  close(): void {
    this.#closed = true;
    this.#flush();
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;

    const outcomes: Outcome[] = [];
    try {
      this.#begin.run();
      for (const { write } of batch) {
        this.#savepoint.run();
        const mark = this.#journal.mark();
        try {
          const value = write();
          this.#release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          // Some failures (disk full, I/O) make SQLite abandon the whole transaction: then nothing in
          // this batch survives, and every caller must hear so.
          if (!this.#db.inTransaction) throw error;
          this.#rollbackToSavepoint.run();
          this.#journal.rollbackTo(mark);
          this.#release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.#commit.run();
    } catch (error) {
      this.#journal.abandoned();
      try {
        if (this.#db.inTransaction) this.#rollback.run();
      } finally {
        for (const { reject } of batch) reject(error);
      }
      return;
    }

    this.#journal.committed();
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
  }
}
