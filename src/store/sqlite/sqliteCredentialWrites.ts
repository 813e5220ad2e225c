import type BetterSqlite3 from "better-sqlite3";
import { auditEntryRow } from "../auditRowCodec.ts";
import type { ApiKeysTable, AuditEntriesTable } from "../database.ts";
import { apiKeyRecord } from "../rowCodec.ts";
import type { ApiKeyRecord, AuditEntryRecord } from "../store.ts";

const AUDIT_COLUMNS = Object.keys({
  id: true,
  at: true,
  actor: true,
  actor_tenant_id: true,
  actor_api_key_id: true,
  action: true,
  target_id: true,
  tenant_id: true,
  details: true,
} satisfies Record<keyof AuditEntriesTable, true>);

/**
 * The credential writes beyond creation (revoking, recording use) and the audit log, as prepared
 * statements. SqliteWrites runs them inside its group commit, so each is atomic with whatever write
 * it is part of (a key created with its audit entry, for one).
 */
export class SqliteCredentialWrites {
  readonly #insertAudit: BetterSqlite3.Statement;
  readonly #revoke: BetterSqlite3.Statement;
  readonly #selectApiKey: BetterSqlite3.Statement<[string], ApiKeysTable>;
  readonly #recordUse: BetterSqlite3.Statement;

  constructor(db: BetterSqlite3.Database) {
    this.#insertAudit = db.prepare(
      `INSERT INTO audit_entries (${AUDIT_COLUMNS.join(", ")}) VALUES (${AUDIT_COLUMNS.map((c) => `@${c}`).join(", ")})`,
    );
    // Only the first revocation sets the time: a repeated one changes nothing (and counts no change).
    this.#revoke = db.prepare("UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL");
    this.#selectApiKey = db.prepare("SELECT * FROM api_keys WHERE id = ?");
    // Forward only: a late write from a replica whose clock or request was behind never moves it back.
    this.#recordUse = db.prepare(
      "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)",
    );
  }

  appendAuditEntry(entry: AuditEntryRecord): void {
    this.#insertAudit.run(auditEntryRow(entry));
  }

  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): ApiKeyRecord | null {
    const { changes } = this.#revoke.run({ id, at: BigInt(at.getTime()) });
    if (changes > 0 && audit !== undefined) this.appendAuditEntry(audit);
    const row = this.#selectApiKey.get(id);
    return row === undefined ? null : apiKeyRecord(row);
  }

  recordApiKeyUse(id: string, at: Date): void {
    this.#recordUse.run({ id, at: BigInt(at.getTime()) });
  }
}
