import type { Kysely, Migration } from "kysely";
import type { MigrationDialect } from "./migrationDialect.ts";

/**
 * The master key rotation under way, if any (`value-gateway vault rotate`): at most one row, whose
 * presence tells a starting gateway that the vault's keys may be sealed under two master keys.
 */
export const vaultRotation = (dialect: MigrationDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("vault_rotation")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("from_key_check", dialect.bytes, (c) => c.notNull())
      .addColumn("to_key_check", dialect.bytes, (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("vault_rotation").execute();
  },
});
