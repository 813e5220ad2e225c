import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthenticatedError } from "../errors/gatewayError.ts";
import type { Store } from "../store/store.ts";
import { hashApiKeySecret } from "./apiKeySecret.ts";
import type { Caller } from "./caller.ts";

export interface AuthenticateDeps {
  /** Only the API-key lookup is used. */
  store: Pick<Store, "findApiKeyBySecretHash">;
  /** GATEWAY_ADMIN_KEY (or the generated dev one). */
  adminKey: string;
}

const ANONYMOUS: Caller = Object.freeze({ kind: "anonymous" });

/**
 * Establishes who is calling from an Authorization value: `Bearer <apiKey>` (scheme in any case) or
 * the bare key, which is how graphql-ws clients often put it in `connectionParams.authorization`.
 * No value → anonymous (resolvers then refuse what needs a caller). The admin key → admin. A tenant
 * API key that is unknown or revoked → UnauthenticatedError; both answer alike, so a revoked key
 * tells nobody it once existed.
 */
export async function authenticate(
  authorization: string | undefined | null,
  deps: AuthenticateDeps,
): Promise<Caller> {
  const value = authorization?.trim() ?? "";
  if (value === "") return ANONYMOUS;
  const key = parseAuthorization(value);

  if (isAdminKey(key, deps.adminKey)) return { kind: "admin" };

  const record = await deps.store.findApiKeyBySecretHash(hashApiKeySecret(key));
  if (record === null || record.revokedAt !== null) {
    throw new UnauthenticatedError(
      "The API key is not valid: check the Authorization header, or ask your administrator for a new key.",
    );
  }
  return { kind: "tenant", tenantId: record.tenantId, apiKeyId: record.id };
}

function parseAuthorization(value: string): string {
  const parts = value.split(/\s+/);
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined && first.toLowerCase() !== "bearer") return first;
  if (parts.length === 2 && first?.toLowerCase() === "bearer" && second !== undefined) return second;
  throw new UnauthenticatedError(
    'The Authorization header must be "Bearer <apiKey>" (or the bare API key over graphql-ws).',
  );
}

// Compare digests, not the strings: equal lengths for timingSafeEqual, and no timing hint of how
// many leading characters of a guess were right.
function isAdminKey(candidate: string, adminKey: string): boolean {
  if (adminKey === "") return false;
  return timingSafeEqual(sha256(candidate), sha256(adminKey));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
