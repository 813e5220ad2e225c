import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "../database.ts";
import { postgresMigrationDialect } from "../sqlite/migrations/migrationDialect.ts";
import { storeMigrations } from "../sqlite/migrations/storeMigrations.ts";
import type { Store } from "../store.ts";
import { bigintTypeParsers } from "./bigintTypeParsers.ts";
import { PostgresStore } from "./postgresStore.ts";

export interface OpenPostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** The schema the store's tables live in; created when missing. Default: the connection's current schema. */
  schema?: string;
  /** Pooled connections. Default 10. */
  maxConnections?: number;
}

// Passed on the connection's start-up line: a plain identifier needs no quoting or escaping there.
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the store on a PostgreSQL database and brings its schema up to date (Kysely runs the
 * migrations in one transaction under its own advisory lock, so two gateways starting together
 * migrate once).
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !PLAIN_IDENTIFIER.test(schema)) {
    throw new Error(
      `Schema name ${JSON.stringify(schema)} must be a lower-case identifier ([a-z_][a-z0-9_]*).`,
    );
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    types: bigintTypeParsers,
    // Every connection resolves the store's unqualified table names in its schema.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A connection that dies (PostgreSQL restarted, the network cut) is an 'error' event on its client,
  // and on the pool when it was idle: with no listener, either crashes the process. The query it was
  // running fails on its own, and pg drops the connection (idle, or when released) so the next query
  // opens a new one; nothing else is to be done with the event.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema !== undefined) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
    await migrate(db, schema ?? (await currentSchema(db)));
    return new PostgresStore(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("The connection has no current schema: set one on its search_path.");
  return schema;
}

async function migrate(db: Kysely<Database>, schema: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: storeMigrations(postgresMigrationDialect),
    // Named explicitly: unnamed, Kysely takes a migration table in any schema of the database for ours.
    migrationTableSchema: schema,
  });
  // Kysely looks for its migration table by introspecting every table of every schema in the
  // database; a schema another process creates or drops at that moment makes the catalog query fail
  // (undefined table or column). That is not our schema's fault: look again.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const code = (error as { code?: unknown }).code;
    if (attempt < MIGRATION_ATTEMPTS && (code === "42703" || code === "42P01")) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    throw new Error("The store's schema migration failed.", { cause: error });
  }
}

/** How often a migration is tried when another process's DDL raced Kysely's introspection. */
const MIGRATION_ATTEMPTS = 5;
