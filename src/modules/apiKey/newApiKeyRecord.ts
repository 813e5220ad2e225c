import { hashApiKeySecret } from "../../auth/apiKeySecret.ts";
import { newId } from "../../ids.ts";
import type { ApiKeyRecord } from "../../store/store.ts";

/** A tenant's new, unused API key for `secret`: the record keeps only the secret's hash. */
export function newApiKeyRecord(
  tenantId: string,
  label: string,
  secret: string,
  createdAt = new Date(),
): ApiKeyRecord {
  return {
    id: newId("key"),
    tenantId,
    label,
    secretHash: hashApiKeySecret(secret),
    createdAt,
    lastUsedAt: null,
    revokedAt: null,
  };
}
