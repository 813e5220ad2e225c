import type { ControlledTransaction } from "kysely";
import { auditEntryRow } from "../auditRowCodec.ts";
import type { Database } from "../database.ts";
import { apiKeyRecord } from "../rowCodec.ts";
import type { ApiKeyRecord, AuditEntryRecord } from "../store.ts";
import { nothing, type WriteBody } from "./groupCommit.ts";

// The credential writes beyond creation (revoking, recording use) and the audit log, each the body of
// one atomic write run by GroupCommit (see postgresWrites.ts).

/** Inserts `entry` in `trx`: the audit entry of a write shares that write's transaction. */
export async function insertAuditEntry(
  trx: ControlledTransaction<Database>,
  entry: AuditEntryRecord,
): Promise<void> {
  await trx.insertInto("audit_entries").values(auditEntryRow(entry)).execute();
}

export const appendAuditEntry =
  (entry: AuditEntryRecord): WriteBody<void> =>
  async (trx) => {
    await insertAuditEntry(trx, entry);
    return nothing;
  };

export const revokeApiKey =
  (id: string, at: Date, audit?: AuditEntryRecord): WriteBody<ApiKeyRecord | null> =>
  async (trx) => {
    // Only the first revocation sets the time; a concurrent one waits on the row lock, then finds
    // revoked_at set and changes nothing (READ COMMITTED re-checks the WHERE on the latest row).
    const revoked = await trx
      .updateTable("api_keys")
      .set({ revoked_at: BigInt(at.getTime()) })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .returning("id")
      .executeTakeFirst();
    if (revoked !== undefined && audit !== undefined) await insertAuditEntry(trx, audit);
    const row = await trx.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    const key = row === undefined ? null : apiKeyRecord(row);
    return () => key;
  };

export const recordApiKeyUse =
  (id: string, at: Date): WriteBody<void> =>
  async (trx) => {
    const ms = BigInt(at.getTime());
    // Forward only: a late write from a replica whose request or clock was behind never moves it back.
    await trx
      .updateTable("api_keys")
      .set({ last_used_at: ms })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", ms)]))
      .execute();
    return nothing;
  };
