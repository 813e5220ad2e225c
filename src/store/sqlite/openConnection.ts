import BetterSqlite3 from "better-sqlite3";

/**
 * A connection to the store's file, as every connection to it is configured: WAL with
 * synchronous=FULL (a commit is on disk before it returns), foreign keys on, integers back as bigint
 * (no silent rounding past 2^53), and a wait of `busyTimeoutMs` for another connection's write lock.
 */
export function openConnection(path: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.defaultSafeIntegers(true);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
