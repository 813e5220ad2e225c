import type { Caller } from "../../auth/caller.ts";
import { newId } from "../../ids.ts";
import type { AuditActor, AuditEntryRecord } from "../../store/store.ts";

/** What the audit log records; `<object>.<verb>`. */
export type AuditAction = "tenant.create" | "apiKey.create" | "apiKey.revoke";

/** The actor of an action `caller` makes; null for an anonymous caller, who can make none. */
export function auditActorOf(caller: Caller): AuditActor | null {
  switch (caller.kind) {
    case "admin":
      return { kind: "admin" };
    case "tenant":
      return { kind: "tenant", tenantId: caller.tenantId, apiKeyId: caller.apiKeyId };
    default:
      return null;
  }
}

/** An audit entry made now, to be written with the change it records. */
export function newAuditEntry(
  actor: AuditActor,
  action: AuditAction,
  about: Pick<AuditEntryRecord, "targetId" | "tenantId" | "details">,
  at = new Date(),
): AuditEntryRecord {
  return { id: newId("aud"), at, actor, action, ...about };
}
