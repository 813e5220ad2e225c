import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { UnauthenticatedError } from "../errors/gatewayError.ts";
import { newId } from "../ids.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store } from "../store/store.ts";
import { generateApiKeySecret, hashApiKeySecret } from "./apiKeySecret.ts";
import { type Authenticator, authenticate, createAuthenticator } from "./authenticate.ts";
import type { Caller } from "./caller.ts";

const ADMIN_KEY = "the-admin-key-of-this-test-gateway-0123456789";

let dir: string;
let dbPath: string;
let store: Store;
const tenantId = newId("ten");
const apiKeyId = newId("key");
const secret = generateApiKeySecret();
const revokedSecret = generateApiKeySecret();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vg-auth-"));
  dbPath = join(dir, "gateway.sqlite");
  store = await openSqliteStore({ path: dbPath });
  const now = new Date();
  await store.createTenant(
    { id: tenantId, name: "Acme", createdAt: now },
    {
      id: apiKeyId,
      tenantId,
      label: "default",
      secretHash: hashApiKeySecret(secret),
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    },
  );
  await store.createApiKey({
    id: newId("key"),
    tenantId,
    label: "old",
    secretHash: hashApiKeySecret(revokedSecret),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: now,
  });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

// One long-lived authenticator, as a server holds: repeated keys below are served from its cache.
let authenticator: Authenticator;
beforeAll(() => {
  authenticator = createAuthenticator({ store, adminKey: ADMIN_KEY });
});
const auth = (authorization: string | undefined | null) => authenticator.authenticate(authorization);

/** The UnauthenticatedError `promise` rejects with. */
async function unauthenticated(promise: Promise<unknown>): Promise<UnauthenticatedError> {
  const error = await promise.then(
    () => expect.unreachable("expected an UnauthenticatedError"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  expect((error as UnauthenticatedError).code).toBe("UNAUTHENTICATED");
  return error as UnauthenticatedError;
}

describe("apiKeySecret", () => {
  test("secrets are vg_ and 32 random bytes base64url, different every time", () => {
    const a = generateApiKeySecret();
    expect(a).toMatch(/^vg_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(3), "base64url")).toHaveLength(32);
    expect(generateApiKeySecret()).not.toBe(a);
  });

  test("the hash is SHA-256 hex", () => {
    expect(hashApiKeySecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("authenticate", () => {
  test.each([undefined, null, "", "   "])("no credentials (%j) → anonymous", async (value) => {
    expect(await auth(value)).toEqual({ kind: "anonymous" });
  });

  test("the admin key → admin, as Bearer in any case or bare", async () => {
    expect(await auth(`Bearer ${ADMIN_KEY}`)).toEqual({ kind: "admin" });
    expect(await auth(`bearer ${ADMIN_KEY}`)).toEqual({ kind: "admin" });
    expect(await auth(`BEARER   ${ADMIN_KEY} `)).toEqual({ kind: "admin" });
    expect(await auth(ADMIN_KEY)).toEqual({ kind: "admin" });
  });

  test("a tenant API key → that tenant and key, as Bearer or bare (graphql-ws connectionParams)", async () => {
    const caller = { kind: "tenant", tenantId, apiKeyId };
    expect(await auth(`Bearer ${secret}`)).toEqual(caller);
    expect(await auth(secret)).toEqual(caller);
  });

  test("an unknown key is refused with a sentence saying what to do", async () => {
    const error = await unauthenticated(auth(`Bearer ${generateApiKeySecret()}`));
    expect(error.message).toBe(
      "The API key is not valid: check the Authorization header, or ask your administrator for a new key.",
    );
  });

  test("a revoked key is refused exactly like an unknown one", async () => {
    const error = await unauthenticated(auth(`Bearer ${revokedSecret}`));
    expect(error.message).toMatch(/^The API key is not valid/);
  });

  test("a near miss of the admin key is not admin", async () => {
    await unauthenticated(auth(`Bearer ${ADMIN_KEY.slice(0, -1)}x`));
    await unauthenticated(auth(`Bearer ${ADMIN_KEY}${ADMIN_KEY}`));
  });

  test.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", `Token ${"x".repeat(40)}`])(
    "a malformed header (%s) is refused with the expected form",
    async (value) => {
      const error = await unauthenticated(auth(value));
      expect(error.message).toContain('"Bearer <apiKey>"');
    },
  );
});

describe("authenticate (one-off form, no cache)", () => {
  test("answers as the authenticator does", async () => {
    const deps = { store, adminKey: ADMIN_KEY };
    expect(await authenticate(`Bearer ${ADMIN_KEY}`, deps)).toEqual({ kind: "admin" });
    expect(await authenticate(secret, deps)).toEqual({ kind: "tenant", tenantId, apiKeyId });
    await unauthenticated(authenticate(`Bearer ${revokedSecret}`, deps));
    expect(await authenticate(undefined, deps)).toEqual({ kind: "anonymous" });
  });

  test("an empty admin key makes nobody admin", async () => {
    await unauthenticated(authenticate("Bearer x", { store, adminKey: "" }));
  });
});

describe("createAuthenticator: the API-key cache", () => {
  /** The real store with its key lookups counted: an instrument, not a stand-in. */
  function countingStore(): { store: Pick<Store, "findApiKeyBySecretHash">; lookups: string[] } {
    const lookups: string[] = [];
    return {
      lookups,
      store: {
        findApiKeyBySecretHash: (secretHash: string) => {
          lookups.push(secretHash);
          return store.findApiKeyBySecretHash(secretHash);
        },
      },
    };
  }

  /** A new, live key of the test tenant. */
  async function newKey(): Promise<{ secret: string; secretHash: string; caller: Caller }> {
    const keySecret = generateApiKeySecret();
    const id = newId("key");
    await store.createApiKey({
      id,
      tenantId,
      label: "cache test",
      secretHash: hashApiKeySecret(keySecret),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return {
      secret: keySecret,
      secretHash: hashApiKeySecret(keySecret),
      caller: { kind: "tenant", tenantId, apiKeyId: id },
    };
  }

  /** Revokes a key in the database itself, as an admin tool or another replica would. */
  function revokeInDatabase(secretHash: string): void {
    const db = new BetterSqlite3(dbPath);
    try {
      db.prepare("UPDATE api_keys SET revoked_at = ? WHERE secret_hash = ?").run(Date.now(), secretHash);
    } finally {
      db.close();
    }
  }

  /** A clock the test moves by hand. */
  function manualClock() {
    let now = 1_000;
    return {
      now: () => now,
      advance(ms: number) {
        now += ms;
      },
    };
  }

  test("a key seen once is answered without asking the store again", async () => {
    const counted = countingStore();
    const key = await newKey();
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY });
    expect(await authenticator.authenticate(`Bearer ${key.secret}`)).toEqual(key.caller);
    expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);
    expect(await authenticator.authenticate(`Bearer ${key.secret}`)).toEqual(key.caller);
    // The lookup is by SHA-256 hex of the secret, the same hash the key was stored under.
    expect(counted.lookups).toEqual([key.secretHash]);
  });

  test("the admin key never reaches the store", async () => {
    const counted = countingStore();
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY });
    expect(await authenticator.authenticate(`Bearer ${ADMIN_KEY}`)).toEqual({ kind: "admin" });
    expect(counted.lookups).toEqual([]);
  });

  test("after the TTL the store is asked again, and a key revoked meanwhile is refused", async () => {
    const counted = countingStore();
    const clock = manualClock();
    const key = await newKey();
    const authenticator = createAuthenticator({
      store: counted.store,
      adminKey: ADMIN_KEY,
      ttlMs: 5_000,
      now: clock.now,
    });
    expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);

    // Revoked where this process cannot see it: the key works until its entry expires, no longer.
    revokeInDatabase(key.secretHash);
    clock.advance(4_999);
    expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);
    expect(counted.lookups).toHaveLength(1);
    clock.advance(1);
    await unauthenticated(authenticator.authenticate(key.secret));
    expect(counted.lookups).toHaveLength(2);
  });

  test("a key revoked by this process is refused at once after invalidate (or clear)", async () => {
    const first = await newKey();
    const second = await newKey();
    const authenticator = createAuthenticator({ store, adminKey: ADMIN_KEY, ttlMs: 60_000 });
    for (const key of [first, second])
      expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);

    revokeInDatabase(first.secretHash);
    authenticator.invalidate(first.secretHash);
    await unauthenticated(authenticator.authenticate(first.secret));
    expect(await authenticator.authenticate(second.secret)).toEqual(second.caller);

    revokeInDatabase(second.secretHash);
    authenticator.clear();
    await unauthenticated(authenticator.authenticate(second.secret));
  });

  test("unknown keys are never cached: each is looked up, and a flood of them evicts no real key", async () => {
    const counted = countingStore();
    const key = await newKey();
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY, maxEntries: 2 });
    await authenticator.authenticate(key.secret);
    const unknown = generateApiKeySecret();
    for (let i = 0; i < 3; i++) await unauthenticated(authenticator.authenticate(unknown));
    for (let i = 0; i < 10; i++) await unauthenticated(authenticator.authenticate(generateApiKeySecret()));
    expect(counted.lookups).toHaveLength(1 + 3 + 10);

    expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);
    expect(counted.lookups).toHaveLength(1 + 3 + 10);
  });

  test("a revoked key is remembered as refused, without a lookup per attempt", async () => {
    const counted = countingStore();
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY });
    await unauthenticated(authenticator.authenticate(revokedSecret));
    await unauthenticated(authenticator.authenticate(revokedSecret));
    expect(counted.lookups).toHaveLength(1);
  });

  test("holds at most maxEntries keys: the oldest makes room", async () => {
    const counted = countingStore();
    const [a, b, c] = [await newKey(), await newKey(), await newKey()];
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY, maxEntries: 2 });
    for (const key of [a, b, c]) expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);
    expect(counted.lookups).toHaveLength(3);

    // The last two are held; the first was pushed out and is looked up again.
    for (const key of [b, c]) expect(await authenticator.authenticate(key.secret)).toEqual(key.caller);
    expect(counted.lookups).toHaveLength(3);
    expect(await authenticator.authenticate(a.secret)).toEqual(a.caller);
    expect(counted.lookups).toHaveLength(4);
  });

  test("ttlMs 0 turns the cache off", async () => {
    const counted = countingStore();
    const key = await newKey();
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY, ttlMs: 0 });
    await authenticator.authenticate(key.secret);
    await authenticator.authenticate(key.secret);
    expect(counted.lookups).toHaveLength(2);
  });

  test("invalidateKeyId forgets a key by its id (what a revocation notice names); other keys stay held", async () => {
    const counted = countingStore();
    const [revoked, kept] = [await newKey(), await newKey()];
    const authenticator = createAuthenticator({ store: counted.store, adminKey: ADMIN_KEY, ttlMs: 60_000 });
    for (const key of [revoked, kept]) await authenticator.authenticate(key.secret);

    revokeInDatabase(revoked.secretHash);
    authenticator.invalidateKeyId((revoked.caller as { apiKeyId: string }).apiKeyId);
    await unauthenticated(authenticator.authenticate(revoked.secret));
    expect(await authenticator.authenticate(kept.secret)).toEqual(kept.caller);
    expect(counted.lookups).toEqual([revoked.secretHash, kept.secretHash, revoked.secretHash]);
  });

  test("a lookup that was under way when its key was invalidated is answered but not cached", async () => {
    const key = await newKey();
    let releaseLookup: () => void = () => {};
    const lookups: string[] = [];
    const slowStore = {
      async findApiKeyBySecretHash(secretHash: string) {
        lookups.push(secretHash);
        // The first lookup reads the key live, then waits: the revocation lands meanwhile.
        const found = await store.findApiKeyBySecretHash(secretHash);
        if (lookups.length === 1) await new Promise<void>((resolve) => (releaseLookup = resolve));
        return found;
      },
    };
    const authenticator = createAuthenticator({ store: slowStore, adminKey: ADMIN_KEY, ttlMs: 60_000 });
    const inFlight = authenticator.authenticate(key.secret);
    await vi.waitFor(() => expect(lookups).toHaveLength(1));
    revokeInDatabase(key.secretHash);
    authenticator.invalidateKeyId((key.caller as { apiKeyId: string }).apiKeyId);
    releaseLookup();

    // Concurrent with the revocation, that request may pass; the live record it read is not kept.
    expect(await inFlight).toEqual(key.caller);
    await unauthenticated(authenticator.authenticate(key.secret));
    expect(lookups).toHaveLength(2);
  });

  test("onKeyUsed hears of each request a live key authenticates, and of nothing else", async () => {
    const key = await newKey();
    const used: string[] = [];
    const authenticator = createAuthenticator({
      store,
      adminKey: ADMIN_KEY,
      onKeyUsed: (record) => used.push(record.id),
    });
    await authenticator.authenticate(key.secret);
    await authenticator.authenticate(`Bearer ${key.secret}`);
    await authenticator.authenticate(`Bearer ${ADMIN_KEY}`);
    await authenticator.authenticate(undefined);
    await unauthenticated(authenticator.authenticate(revokedSecret));
    const apiKeyId = (key.caller as { apiKeyId: string }).apiKeyId;
    expect(used).toEqual([apiKeyId, apiKeyId]);
  });
});
