import type { ColumnDataType, ColumnDefinitionBuilderCallback } from "kysely";

/**
 * The few column choices where SQLite and PostgreSQL differ. The migrations take one of these so that
 * both stores are built from the same migration shapes: everything else uses types both dialects
 * share (text, integer, bigint).
 */
export interface MigrationDialect {
  /** Raw bytes: blob in SQLite, bytea in PostgreSQL. */
  bytes: ColumnDataType;
  /** The event log's cursor: a 64-bit primary key the database assigns in increasing order. */
  cursor: { type: ColumnDataType; build: ColumnDefinitionBuilderCallback };
}

export const sqliteMigrationDialect: MigrationDialect = {
  bytes: "blob",
  // AUTOINCREMENT (not just INTEGER PRIMARY KEY): a cursor is never reused, even after the newest
  // event is deleted, so a subscriber's `after` can never skip a later event.
  cursor: { type: "integer", build: (column) => column.primaryKey().autoIncrement() },
};

export const postgresMigrationDialect: MigrationDialect = {
  bytes: "bytea",
  cursor: { type: "bigint", build: (column) => column.primaryKey().generatedAlwaysAsIdentity() },
};
