import type { Kysely } from "kysely";
import { auditEntryRecord } from "./auditRowCodec.ts";
import type { Database } from "./database.ts";
import { inChunks, toPage } from "./kyselyStoreReads.ts";
import { apiKeyRecord } from "./rowCodec.ts";
import type { ApiKeyRecord, AuditEntryRecord, AuditFilter, Page, PageRequest } from "./store.ts";

/**
 * The Store's reads of API keys and the audit log, as Kysely queries both dialects run alike (the
 * credential side of KyselyStoreReads). Audit cursors are entry ids: ULIDs, so id order is time order.
 */
export class KyselyCredentialReads {
  readonly #db: Kysely<Database>;
  readonly #inListChunk: number;

  /** `inListChunk`: the most values one `IN (...)` list may bind, as the dialect's parameter limit allows. */
  constructor(db: Kysely<Database>, inListChunk: number) {
    this.#db = db;
    this.#inListChunk = inListChunk;
  }

  async getApiKeys(ids: readonly string[]): Promise<(ApiKeyRecord | null)[]> {
    const found = new Map<string, ApiKeyRecord>();
    for (const chunk of inChunks([...new Set(ids)], this.#inListChunk)) {
      const rows = await this.#db.selectFrom("api_keys").selectAll().where("id", "in", chunk).execute();
      for (const row of rows) found.set(row.id, apiKeyRecord(row));
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.#db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("id")
      .execute();
    return rows.map(apiKeyRecord);
  }

  async listAuditEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryRecord>> {
    const first = Math.max(0, page.first);
    let query = this.#db.selectFrom("audit_entries").selectAll();
    if (filter.tenantId !== undefined) query = query.where("tenant_id", "=", filter.tenantId);
    // Newest first: the next page holds smaller ids.
    if (page.after) query = query.where("id", "<", page.after);
    const rows = await query
      .orderBy("id", "desc")
      .limit(first + 1)
      .execute();
    return toPage(rows.map(auditEntryRecord), first);
  }
}
