import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UnauthenticatedError } from "../errors/gatewayError.ts";
import { newId } from "../ids.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store } from "../store/store.ts";
import { generateApiKeySecret, hashApiKeySecret } from "./apiKeySecret.ts";
import { authenticate } from "./authenticate.ts";

const ADMIN_KEY = "the-admin-key-of-this-test-gateway-0123456789";

let dir: string;
let store: Store;
const tenantId = newId("ten");
const apiKeyId = newId("key");
const secret = generateApiKeySecret();
const revokedSecret = generateApiKeySecret();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vg-auth-"));
  store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
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

const auth = (authorization: string | undefined | null) =>
  authenticate(authorization, { store, adminKey: ADMIN_KEY });

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
