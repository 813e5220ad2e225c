import type { AuditEntriesTable } from "./database.ts";
import type { AuditActor, AuditEntryRecord } from "./store.ts";

// Audit entries to rows and back: the actor as a kind and, for a tenant, its tenant and key ids;
// times as epoch milliseconds; details as JSON text.

export const auditEntryRow = (e: AuditEntryRecord): AuditEntriesTable => ({
  id: e.id,
  at: BigInt(e.at.getTime()),
  actor: e.actor.kind,
  actor_tenant_id: e.actor.kind === "tenant" ? e.actor.tenantId : null,
  actor_api_key_id: e.actor.kind === "tenant" ? e.actor.apiKeyId : null,
  action: e.action,
  target_id: e.targetId,
  tenant_id: e.tenantId,
  details: JSON.stringify(e.details),
});

export const auditEntryRecord = (row: AuditEntriesTable): AuditEntryRecord => ({
  id: row.id,
  at: new Date(Number(row.at)),
  actor: auditActor(row),
  action: row.action,
  targetId: row.target_id,
  tenantId: row.tenant_id,
  details: JSON.parse(row.details) as AuditEntryRecord["details"],
});

function auditActor(row: AuditEntriesTable): AuditActor {
  switch (row.actor) {
    case "admin":
      return { kind: "admin" };
    case "system":
      return { kind: "system" };
    case "tenant":
      if (row.actor_tenant_id === null || row.actor_api_key_id === null) {
        throw new Error(`Audit entry ${row.id}: a tenant actor without its tenant or key id.`);
      }
      return { kind: "tenant", tenantId: row.actor_tenant_id, apiKeyId: row.actor_api_key_id };
    default:
      throw new Error(`Audit entry ${row.id}: unknown actor kind ${JSON.stringify(row.actor)}.`);
  }
}
