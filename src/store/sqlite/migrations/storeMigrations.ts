import type { Migration, MigrationProvider } from "kysely";
import { initialSchema } from "./0001_initialSchema.ts";
import { chainProgressFence } from "./0002_chainProgressFence.ts";
import { auditLog } from "./0003_auditLog.ts";
import { vaultRotation } from "./0004_vaultRotation.ts";
import type { MigrationDialect } from "./migrationDialect.ts";

/**
 * Every migration of the store, by name (Kysely applies them in name order). A static list rather
 * than a folder scan: the migrations ship inside the bundle and cannot go missing at run time.
 */
export const storeMigrations = (dialect: MigrationDialect): MigrationProvider => ({
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    "0001_initial_schema": initialSchema(dialect),
    "0002_chain_progress_fence": chainProgressFence,
    "0003_audit_log": auditLog,
    "0004_vault_rotation": vaultRotation(dialect),
  }),
});
