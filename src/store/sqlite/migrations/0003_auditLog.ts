import type { Kysely, Migration } from "kysely";

/**
 * The audit log of admin and credential actions (who, what, when), read newest first, whole or for
 * one tenant: ids are ULIDs, so the primary key and (tenant_id, id) give both orders. No foreign
 * keys: an entry outlives nothing it names, and one about a tenant that failed to be created is never
 * written (it shares that write's transaction). Same in both dialects.
 */
export const auditLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("audit_entries")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("actor_tenant_id", "text")
      .addColumn("actor_api_key_id", "text")
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target_id", "text")
      .addColumn("tenant_id", "text")
      .addColumn("details", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("audit_entries_tenant")
      .on("audit_entries")
      .columns(["tenant_id", "id"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("audit_entries").execute();
  },
};
