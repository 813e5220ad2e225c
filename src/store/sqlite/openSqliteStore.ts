import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import type { Store } from "../store.ts";
import type { Database } from "./database.ts";
import { sqliteMigrationDialect } from "./migrations/migrationDialect.ts";
import { storeMigrations } from "./migrations/storeMigrations.ts";
import { SqliteStore } from "./sqliteStore.ts";

export interface OpenSqliteStoreOptions {
  /** The database file; created (with its directory) when missing. */
  path: string;
  /** How long a write waits for another process holding the file's write lock. Default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the store in one SQLite file and brings its schema up to date.
 * WAL with synchronous=FULL: a commit is on disk before the write that made it returns.
 */
export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<Store> {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new BetterSqlite3(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // Heights, nonces, cursors and times come back as bigint: no silent rounding past 2^53.
    db.defaultSafeIntegers(true);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
    await migrate(db, kysely);
    return new SqliteStore(db, kysely);
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Kysely runs SQLite migrations outside a transaction; we wrap them in one: a crash mid-migration
 * leaves the previous schema, and BEGIN IMMEDIATE keeps a second process from migrating at once.
 */
async function migrate(db: BetterSqlite3.Database, kysely: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: storeMigrations(sqliteMigrationDialect) });
  db.exec("BEGIN IMMEDIATE");
  try {
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw new Error("The store's schema migration failed.", { cause: error });
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
