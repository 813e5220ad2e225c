import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import type { Database } from "../database.ts";
import type { Store } from "../store.ts";
import { sqliteMigrationDialect } from "./migrations/migrationDialect.ts";
import { storeMigrations } from "./migrations/storeMigrations.ts";
import { openConnection } from "./openConnection.ts";
import { SqliteStore } from "./sqliteStore.ts";
import { StoreWriter } from "./storeWriter.ts";

export interface OpenSqliteStoreOptions {
  /** The database file; created (with its directory) when missing. */
  path: string;
  /** How long a write waits for another process holding the file's write lock. Default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the store in one SQLite file and brings its schema up to date.
 * WAL with synchronous=FULL: a commit is on disk before the write that made it returns. Writes run
 * on a thread of their own (storeWriterWorker.ts), in group commits; reads run on this thread.
 */
export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<Store> {
  mkdirSync(dirname(options.path), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  // Two connections: this thread's serves reads; the writer thread's makes every write (WAL lets a
  // reader see each commit as soon as it is durable).
  const db = openConnection(options.path, busyTimeoutMs);
  try {
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
    await migrate(db, kysely);
    const writer = await StoreWriter.start({ path: options.path, busyTimeoutMs });
    return new SqliteStore(db, kysely, writer);
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
