import { generateApiKeySecret, hashApiKeySecret } from "../../auth/apiKeySecret.ts";
import type { Caller } from "../../auth/caller.ts";
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from "../../errors/gatewayError.ts";
import { newId } from "../../ids.ts";
import type { AuditActor, Page, PageRequest, Store, TenantRecord } from "../../store/store.ts";
import { newApiKeyRecord } from "../apiKey/newApiKeyRecord.ts";
import { newAuditEntry } from "../audit/newAuditEntry.ts";

/** The tenant a caller acts as; anonymous callers and the admin key (which is no tenant) are refused. */
export function requireTenant(caller: Caller): string {
  if (caller.kind === "tenant") return caller.tenantId;
  if (caller.kind === "admin") {
    throw new ForbiddenError("The admin key manages tenants; use a tenant's API key for this.");
  }
  throw new UnauthenticatedError("This needs an API key: send `Authorization: Bearer <apiKey>`.");
}

export function requireAdmin(caller: Caller): void {
  if (caller.kind === "admin") return;
  if (caller.kind === "anonymous") {
    throw new UnauthenticatedError(
      "This needs the admin key: send `Authorization: Bearer <GATEWAY_ADMIN_KEY>`.",
    );
  }
  throw new ForbiddenError("Only the admin key can do this; a tenant's API key cannot.");
}

const MAX_NAME_LENGTH = 100;

export function checkName(name: string, field = "name"): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH || trimmed !== name) {
    throw new BadUserInputError(
      `${field} must be 1 to ${MAX_NAME_LENGTH} characters with no leading or trailing spaces.`,
      { field },
    );
  }
  return name;
}

/** Tenants and their API keys. A key's secret is returned once, at creation, and stored only as a hash. */
export class TenantService {
  constructor(private readonly store: Store) {}

  /** `actor`: who asked, for the audit log (the admin key, or the gateway for the dev tenant). */
  async createTenant(
    name: string,
    secret = generateApiKeySecret(),
    actor: AuditActor = { kind: "admin" },
  ): Promise<{ tenant: TenantRecord; apiKey: string }> {
    const now = new Date();
    const tenant: TenantRecord = { id: newId("ten"), name: checkName(name), createdAt: now };
    const key = newApiKeyRecord(tenant.id, "default", secret, now);
    const audit = newAuditEntry(
      actor,
      "tenant.create",
      { targetId: tenant.id, tenantId: tenant.id, details: { name: tenant.name, apiKeyId: key.id } },
      now,
    );
    await this.store.createTenant(tenant, key, audit);
    return { tenant, apiKey: secret };
  }

  /** Dev mode: the tenant whose key was generated into DATA_DIR exists (created on first start). */
  async ensureDevTenant(secret: string): Promise<TenantRecord> {
    const existing = await this.store.findApiKeyBySecretHash(hashApiKeySecret(secret));
    if (existing) {
      const [tenant] = await this.store.getTenants([existing.tenantId]);
      if (tenant) return tenant;
    }
    return (await this.createTenant("dev", secret, { kind: "system" })).tenant;
  }

  getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]> {
    return this.store.getTenants(ids);
  }

  listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    return this.store.listTenants(page);
  }
}
