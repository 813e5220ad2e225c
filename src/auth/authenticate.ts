import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthenticatedError } from "../errors/gatewayError.ts";
import type { ApiKeyRecord, Store } from "../store/store.ts";
import { ApiKeyCache, type ApiKeyCacheOptions } from "./apiKeyCache.ts";
import type { Caller } from "./caller.ts";

export interface AuthenticateDeps {
  /** Only the API-key lookup is used. */
  store: Pick<Store, "findApiKeyBySecretHash">;
  /** GATEWAY_ADMIN_KEY (or the generated dev one). */
  adminKey: string;
}

/** The deps, and how long (`ttlMs`) and how many (`maxEntries`) API keys are remembered. */
export type CreateAuthenticatorOptions = AuthenticateDeps &
  ApiKeyCacheOptions & {
    /** Told of every request a live API key authenticates (an ApiKeyUseRecorder keeps lastUsedAt). */
    onKeyUsed?: (key: ApiKeyRecord) => void;
  };

/** One per server: it holds the admin key's digest and a short-lived cache of API keys. */
export interface Authenticator {
  /** Who is calling; see `authenticate`. */
  authenticate(authorization: string | undefined | null): Promise<Caller>;
  /** Forget the key with this secret hash (SHA-256 hex): call it when this process revokes that key. */
  invalidate(secretHash: string): void;
  /** Forget the key with this id: what a revocation notice from any replica names. */
  invalidateKeyId(id: string): void;
  /** Forget every key. */
  clear(): void;
}

const ANONYMOUS: Caller = Object.freeze({ kind: "anonymous" });

/**
 * Makes the authenticator a server holds for its lifetime. A request costs one SHA-256 of the
 * presented key: its digest is compared with the admin key's (computed here, once) and, as hex, is
 * the secret hash API keys are stored under (src/auth/apiKeySecret.ts). Keys the store found are
 * remembered for `ttlMs` (default 5 s; see ApiKeyCache for what that means for revocation).
 */
export function createAuthenticator(options: CreateAuthenticatorOptions): Authenticator {
  const { store, onKeyUsed } = options;
  const adminDigest = options.adminKey === "" ? null : sha256(options.adminKey);
  const cache = new ApiKeyCache(options);

  return {
    async authenticate(authorization) {
      const value = authorization?.trim() ?? "";
      if (value === "") return ANONYMOUS;
      const digest = sha256(parseAuthorization(value));

      // Compare digests, not the strings: equal lengths for timingSafeEqual, and no timing hint of
      // how many leading characters of a guess were right.
      if (adminDigest !== null && timingSafeEqual(digest, adminDigest)) return { kind: "admin" };

      // Hex of the same digest is hashApiKeySecret(key): no second hash.
      const secretHash = digest.toString("hex");
      let record = cache.get(secretHash) ?? null;
      if (record === null) {
        const generation = cache.generation;
        record = await store.findApiKeyBySecretHash(secretHash);
        if (record !== null) cache.set(record, generation);
      }
      if (record === null || record.revokedAt !== null) {
        throw new UnauthenticatedError(
          "The API key is not valid: check the Authorization header, or ask your administrator for a new key.",
        );
      }
      onKeyUsed?.(record);
      return { kind: "tenant", tenantId: record.tenantId, apiKeyId: record.id };
    },
    invalidate: (secretHash) => cache.invalidate(secretHash),
    invalidateKeyId: (id) => cache.invalidateKeyId(id),
    clear: () => cache.clear(),
  };
}

/**
 * Establishes who is calling from an Authorization value: `Bearer <apiKey>` (scheme in any case) or
 * the bare key, which is how graphql-ws clients often put it in `connectionParams.authorization`.
 * No value → anonymous (resolvers then refuse what needs a caller). The admin key → admin. A tenant
 * API key that is unknown or revoked → UnauthenticatedError; both answer alike, so a revoked key
 * tells nobody it once existed.
 *
 * One-off form: it asks the store every time. A server holds one `createAuthenticator` instead.
 */
export function authenticate(
  authorization: string | undefined | null,
  deps: AuthenticateDeps,
): Promise<Caller> {
  return createAuthenticator({ ...deps, ttlMs: 0 }).authenticate(authorization);
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

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
