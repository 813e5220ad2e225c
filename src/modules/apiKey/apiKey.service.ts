import { generateApiKeySecret } from "../../auth/apiKeySecret.ts";
import type { Caller } from "../../auth/caller.ts";
import { BadUserInputError, NotFoundError, UnauthenticatedError } from "../../errors/gatewayError.ts";
import type { EventBus } from "../../events/eventBus.ts";
import { isId } from "../../ids.ts";
import type { ApiKeyRecord, AuditActor, Store } from "../../store/store.ts";
import { auditActorOf, newAuditEntry } from "../audit/newAuditEntry.ts";
import { newApiKeyRecord } from "./newApiKeyRecord.ts";

const MAX_LABEL_LENGTH = 100;

/** The label trimmed, when 1 to 100 characters remain. */
export function checkLabel(label: string): string {
  const trimmed = label.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_LABEL_LENGTH) {
    throw new BadUserInputError(
      `label must be 1 to ${MAX_LABEL_LENGTH} characters (after trimming spaces).`,
      {
        field: "label",
      },
    );
  }
  return trimmed;
}

/**
 * A tenant's API keys: several per tenant, each made with its secret shown once (only the hash is
 * kept), listed without secrets, revoked for good. Every creation and revocation is written to the
 * audit log in the same store transaction as the change, and a revocation is announced on the bus so
 * that every replica refuses the key at once and closes its sockets.
 */
export class ApiKeyService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
  ) {}

  /**
   * A new key for the caller's own tenant, or, for the admin key, for the tenant it names. Another
   * tenant's id, or an unknown one, answers NOT_FOUND.
   */
  async createApiKey(
    caller: Caller,
    input: { label: string; tenantId?: string | null },
  ): Promise<{ apiKey: string; key: ApiKeyRecord }> {
    const actor = requireActor(caller);
    const label = checkLabel(input.label);
    const tenantId = await this.#tenantFor(caller, input.tenantId ?? null);
    const secret = generateApiKeySecret();
    const key = newApiKeyRecord(tenantId, label, secret);
    const audit = newAuditEntry(
      actor,
      "apiKey.create",
      { targetId: key.id, tenantId, details: { label } },
      key.createdAt,
    );
    await this.store.createApiKey(key, audit);
    return { apiKey: secret, key };
  }

  /**
   * Revokes one of the caller's tenant's keys (the admin key: any key), the one in use included: that
   * request still gets its answer, the next one is refused. Revoking a revoked key changes nothing and
   * answers the key. Another tenant's key, or an unknown id, answers NOT_FOUND.
   */
  async revokeApiKey(caller: Caller, id: string): Promise<ApiKeyRecord> {
    const actor = requireActor(caller);
    const [found] = isId("key", id) ? await this.store.getApiKeys([id]) : [null];
    if (found == null || (caller.kind === "tenant" && found.tenantId !== caller.tenantId)) {
      throw new NotFoundError(`No API key ${id} among yours: list them with viewer { apiKeys { id } }.`, {
        field: "id",
      });
    }
    const at = new Date();
    const audit = newAuditEntry(
      actor,
      "apiKey.revoke",
      { targetId: id, tenantId: found.tenantId, details: { label: found.label } },
      at,
    );
    const revoked = await this.store.revokeApiKey(id, at, audit);
    if (revoked === null) throw new Error(`API key ${id} vanished while being revoked.`);
    // Announced even when it was revoked already: a replica that missed the first notice hears this one.
    this.bus.publishApiKeyRevoked(id);
    return revoked;
  }

  /** Every key of the tenant, revoked ones too, oldest first. */
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys(tenantId);
  }

  async #tenantFor(caller: Caller, tenantId: string | null): Promise<string> {
    if (caller.kind === "tenant") {
      if (tenantId !== null && tenantId !== caller.tenantId) throw tenantNotFound(tenantId);
      return caller.tenantId;
    }
    if (tenantId === null) {
      throw new BadUserInputError("The admin key belongs to no tenant: name the tenant with tenantId.", {
        field: "tenantId",
      });
    }
    const [tenant] = isId("ten", tenantId) ? await this.store.getTenants([tenantId]) : [null];
    if (tenant == null) throw tenantNotFound(tenantId);
    return tenant.id;
  }
}

function requireActor(caller: Caller): AuditActor {
  const actor = auditActorOf(caller);
  if (actor === null) {
    throw new UnauthenticatedError("This needs an API key: send `Authorization: Bearer <apiKey>`.");
  }
  return actor;
}

const tenantNotFound = (tenantId: string) =>
  new NotFoundError(`No tenant ${tenantId}.`, { field: "tenantId" });
