import type { Kysely, Migration } from "kysely";

/**
 * Chain progress remembers the fencing token of the tracker that wrote it, so a replica that lost its
 * lease can be refused by the database itself. Existing rows get 0: they were written without leases,
 * and any fenced tracker may take them over. Same in both dialects (bigint compares numerically there).
 */
export const chainProgressFence: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable("chain_progress")
      .addColumn("fence", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("chain_progress").dropColumn("fence").execute();
  },
};
