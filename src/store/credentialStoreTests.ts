// The Store's API-key and audit-log tests, part of the shared suite (storeSuite.ts declares them
// inside each implementation's describe): what a caller sees, never tables or SQL.

import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { newId } from "../ids.ts";
import type { ApiKeyRecord, AuditActor, AuditEntryRecord, Store, TenantRecord } from "./store.ts";

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

function newTenant(name = "Acme"): { tenant: TenantRecord; apiKey: ApiKeyRecord } {
  const tenant: TenantRecord = { id: newId("ten"), name, createdAt: new Date() };
  return { tenant, apiKey: newKey(tenant.id, "first") };
}

function newKey(tenantId: string, label: string): ApiKeyRecord {
  return {
    id: newId("key"),
    tenantId,
    label,
    secretHash: hex(32),
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
}

function auditEntry(patch: Partial<AuditEntryRecord> = {}): AuditEntryRecord {
  return {
    id: newId("aud"),
    at: new Date(),
    actor: { kind: "admin" },
    action: "apiKey.create",
    targetId: newId("key"),
    tenantId: newId("ten"),
    details: { label: "ci" },
    ...patch,
  };
}

/** Declares the tests; `store` is the fresh store of the running test. */
export function credentialStoreTests(store: () => Store): void {
  describe("API keys", () => {
    test("listApiKeys: the tenant's keys, revoked ones too, oldest first; getApiKeys answers in the order asked", async () => {
      const a = newTenant("A");
      const b = newTenant("B");
      await store().createTenant(a.tenant, a.apiKey);
      await store().createTenant(b.tenant, b.apiKey);
      const second = newKey(a.tenant.id, "ci");
      const revoked = { ...newKey(a.tenant.id, "old"), revokedAt: new Date(Date.UTC(2030, 0, 1)) };
      await store().createApiKey(second);
      await store().createApiKey(revoked);

      expect(await store().listApiKeys(a.tenant.id)).toEqual([a.apiKey, second, revoked]);
      expect(await store().listApiKeys(b.tenant.id)).toEqual([b.apiKey]);
      expect(await store().listApiKeys(newId("ten"))).toEqual([]);
      expect(await store().getApiKeys([second.id, "key_missing", b.apiKey.id, second.id])).toEqual([
        second,
        null,
        b.apiKey,
        second,
      ]);
      expect(await store().getApiKeys([])).toEqual([]);
    });

    test("revokeApiKey: sets revokedAt once; again answers the key as revoked, unchanged; an unknown id answers null", async () => {
      const { tenant, apiKey } = newTenant();
      await store().createTenant(tenant, apiKey);
      const at = new Date(Date.UTC(2031, 1, 2, 3, 4, 5, 6));

      const revoked = await store().revokeApiKey(apiKey.id, at);
      expect(revoked).toEqual({ ...apiKey, revokedAt: at });
      expect(await store().findApiKeyBySecretHash(apiKey.secretHash)).toEqual(revoked);

      expect(await store().revokeApiKey(apiKey.id, new Date(Date.UTC(2032, 0, 1)))).toEqual(revoked);
      expect(await store().getApiKeys([apiKey.id])).toEqual([revoked]);
      expect(await store().revokeApiKey(newId("key"), at)).toBeNull();
    });

    test("revokeApiKey: concurrent revocations agree on one time and log one entry", async () => {
      const { tenant, apiKey } = newTenant();
      await store().createTenant(tenant, apiKey);
      const attempts = Array.from({ length: 5 }, (_, i) => ({
        at: new Date(Date.UTC(2031, 0, 1 + i)),
        audit: auditEntry({ action: "apiKey.revoke", targetId: apiKey.id, tenantId: tenant.id }),
      }));

      const answers = await Promise.all(attempts.map((a) => store().revokeApiKey(apiKey.id, a.at, a.audit)));
      const times = new Set(answers.map((key) => key?.revokedAt?.getTime()));
      expect(times.size).toBe(1);
      const logged = await store().listAuditEntries({ tenantId: tenant.id }, { first: 10 });
      expect(logged.items).toHaveLength(1);
      const winner = attempts.find((a) => a.audit.id === logged.items[0]?.id);
      expect(winner?.at.getTime()).toBe([...times][0]);
    });

    test("recordApiKeyUse: moves lastUsedAt forward, never back; an unknown id changes nothing", async () => {
      const { tenant, apiKey } = newTenant();
      await store().createTenant(tenant, apiKey);
      const first = new Date(Date.UTC(2030, 0, 1, 0, 0, 0));
      const later = new Date(Date.UTC(2030, 0, 1, 0, 1, 0));

      await store().recordApiKeyUse(apiKey.id, first);
      expect((await store().getApiKeys([apiKey.id]))[0]?.lastUsedAt).toEqual(first);
      await store().recordApiKeyUse(apiKey.id, later);
      await store().recordApiKeyUse(apiKey.id, first);
      expect(await store().findApiKeyBySecretHash(apiKey.secretHash)).toEqual({
        ...apiKey,
        lastUsedAt: later,
      });
      await store().recordApiKeyUse(newId("key"), later);
    });
  });

  describe("audit log", () => {
    test("createTenant and createApiKey write their audit entries with the change; every actor kind reads back", async () => {
      const { tenant, apiKey } = newTenant();
      const actors: AuditActor[] = [
        { kind: "admin" },
        { kind: "tenant", tenantId: tenant.id, apiKeyId: apiKey.id },
        { kind: "system" },
      ];
      const created = auditEntry({
        actor: actors[0] as AuditActor,
        action: "tenant.create",
        targetId: tenant.id,
        tenantId: tenant.id,
        details: { name: "Acme", firstKeyId: apiKey.id },
      });
      await store().createTenant(tenant, apiKey, created);
      const key = newKey(tenant.id, "ci");
      const keyCreated = auditEntry({
        actor: actors[1] as AuditActor,
        targetId: key.id,
        tenantId: tenant.id,
        details: { label: "ci", n: 1, ok: true, none: null },
      });
      await store().createApiKey(key, keyCreated);
      const other = auditEntry({
        actor: actors[2] as AuditActor,
        targetId: null,
        tenantId: null,
        details: {},
      });
      await store().appendAuditEntry(other);

      const all = await store().listAuditEntries({}, { first: 10 });
      expect(all.items).toEqual([other, keyCreated, created]);
      expect(all.cursors).toEqual([other.id, keyCreated.id, created.id]);
      expect(all.hasNextPage).toBe(false);
      expect((await store().listAuditEntries({ tenantId: tenant.id }, { first: 10 })).items).toEqual([
        keyCreated,
        created,
      ]);
    });

    test("a write that fails leaves no audit entry", async () => {
      const first = newTenant();
      await store().createTenant(first.tenant, first.apiKey);
      const copycat = newTenant("Copycat");
      copycat.apiKey.secretHash = first.apiKey.secretHash;
      await expect(
        store().createTenant(copycat.tenant, copycat.apiKey, auditEntry({ tenantId: copycat.tenant.id })),
      ).rejects.toThrow();
      const clash = { ...newKey(first.tenant.id, "clash"), secretHash: first.apiKey.secretHash };
      await expect(store().createApiKey(clash, auditEntry({ tenantId: first.tenant.id }))).rejects.toThrow();

      expect((await store().listAuditEntries({}, { first: 10 })).items).toEqual([]);
    });

    test("listAuditEntries: newest first, `first` per page, `after` continues, filtered by tenant", async () => {
      const tenantId = newId("ten");
      const entries: AuditEntryRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const entry = auditEntry({ tenantId, details: { i } });
        await store().appendAuditEntry(entry);
        entries.push(entry);
        await store().appendAuditEntry(auditEntry());
      }
      const newestFirst = [...entries].reverse();

      const page1 = await store().listAuditEntries({ tenantId }, { first: 2 });
      expect(page1.items).toEqual(newestFirst.slice(0, 2));
      expect(page1.hasNextPage).toBe(true);
      const page2 = await store().listAuditEntries({ tenantId }, { first: 2, after: page1.cursors[1] });
      expect(page2.items).toEqual(newestFirst.slice(2, 4));
      expect(page2.hasNextPage).toBe(true);
      const page3 = await store().listAuditEntries({ tenantId }, { first: 2, after: page2.cursors[1] });
      expect(page3.items).toEqual(newestFirst.slice(4));
      expect(page3.hasNextPage).toBe(false);
      expect((await store().listAuditEntries({}, { first: 100 })).items).toHaveLength(10);
    });
  });
}
