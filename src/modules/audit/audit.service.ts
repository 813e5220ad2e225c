import type { AuditEntryRecord, AuditFilter, Page, PageRequest, Store } from "../../store/store.ts";
import { type AuditActor, AuditActorKind, type AuditEntry } from "./audit.type.ts";

/** The audit log as the admin reads it: newest first, whole or for one tenant. */
export class AuditService {
  constructor(private readonly store: Store) {}

  async listEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const entries = await this.store.listAuditEntries(filter, page);
    return { ...entries, items: entries.items.map(auditEntryView) };
  }
}

function auditEntryView(entry: AuditEntryRecord): AuditEntry {
  return { ...entry, actor: actorView(entry.actor), details: JSON.stringify(entry.details) };
}

function actorView(actor: AuditEntryRecord["actor"]): AuditActor {
  switch (actor.kind) {
    case "admin":
      return { kind: AuditActorKind.ADMIN, tenantId: null, apiKeyId: null };
    case "system":
      return { kind: AuditActorKind.SYSTEM, tenantId: null, apiKeyId: null };
    case "tenant":
      return { kind: AuditActorKind.TENANT, tenantId: actor.tenantId, apiKeyId: actor.apiKeyId };
  }
}
