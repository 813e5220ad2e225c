import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { RefchainNode } from "../../adapters/refchain/chain/node.ts";
import { startRefchainServer } from "../../adapters/refchain/rpc/server.ts";
import { hashApiKeySecret } from "../../src/auth/apiKeySecret.ts";
import { newId } from "../../src/ids.ts";
import {
  clusterServicesMissing,
  freshDatabaseSchema,
  freshRedisPrefix,
  TEST_REDIS_URL,
} from "../support/clusterServices.ts";
import { requireClusterServices } from "../support/requireServices.ts";
import { codesOf, collect, eventually, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// Several API keys per tenant, through real HTTP and graphql-ws: made with the secret shown once,
// listed without it, revoked for good (refused at once, open sockets closed with 4401), every action
// in the admin's audit log.

const KEY_FIELDS = "id label createdAt lastUsedAt revokedAt";
const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey key { ${KEY_FIELDS} } } }`;
const REVOKE_KEY = `mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { key { ${KEY_FIELDS} } } }`;
const LIST_KEYS = `{ viewer { id apiKeys { ${KEY_FIELDS} } } }`;
const AUDIT_LOG = `query ($first: Int, $after: String, $tenantId: ID) {
  auditLog(first: $first, after: $after, tenantId: $tenantId) {
    edges { cursor node { id at actor { kind tenantId apiKeyId } action targetId tenantId details } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const HEADS = "subscription { chainHeads { height } }";

interface ApiKey {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface AuditEntry {
  id: string;
  at: string;
  actor: { kind: string; tenantId: string | null; apiKeyId: string | null };
  action: string;
  targetId: string | null;
  tenantId: string | null;
  details: string;
}

interface AuditPage {
  auditLog: {
    edges: { cursor: string; node: AuditEntry }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** A new key made through `client` (for `tenantId`, when given): its secret and the key as answered. */
async function createKey(
  client: GraphQLTestClient,
  label: string,
  tenantId?: string,
): Promise<{ apiKey: string; key: ApiKey }> {
  const { createApiKey } = await client.data<{ createApiKey: { apiKey: string; key: ApiKey } }>(CREATE_KEY, {
    input: { label, ...(tenantId === undefined ? {} : { tenantId }) },
  });
  return createApiKey;
}

async function revokeKey(client: GraphQLTestClient, id: string): Promise<ApiKey> {
  return (await client.data<{ revokeApiKey: { key: ApiKey } }>(REVOKE_KEY, { id })).revokeApiKey.key;
}

async function listKeys(client: GraphQLTestClient): Promise<ApiKey[]> {
  return (await client.data<{ viewer: { apiKeys: ApiKey[] } }>(LIST_KEYS)).viewer.apiKeys;
}

async function viewerId(client: GraphQLTestClient): Promise<string> {
  return (await client.data<{ viewer: { id: string } }>("{ viewer { id } }")).viewer.id;
}

/**
 * A graphql-ws socket of `client` with a live subscription on it (a head has arrived, so the
 * socket is authenticated and registered), and how it closed, once it has.
 */
async function openSocket(client: GraphQLTestClient): Promise<{
  socket: Client;
  heads: ReturnType<typeof collect<{ chainHeads: { height: string } }>>;
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
}> {
  let closedWith: { code: number; reason: string } | null = null;
  let resolveClosed: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    resolveClosed = resolve;
  });
  const socket = client.ws({
    onClose: (code, reason) => {
      closedWith = { code, reason };
      resolveClosed(closedWith);
    },
  });
  const heads = collect<{ chainHeads: { height: string } }>(socket, HEADS, {});
  await heads.waitFor(1);
  return { socket, heads, closed, isClosed: () => closedWith !== null };
}

describe("API keys over HTTP and graphql-ws", () => {
  let gateway: TestGateway;
  let acme: Awaited<ReturnType<TestGateway["newTenant"]>>;
  let globex: Awaited<ReturnType<TestGateway["newTenant"]>>;
  const sockets: Client[] = [];
  const clientOf = (apiKey: string) =>
    new GraphQLTestClient(gateway.gateway.url, gateway.gateway.wsUrl, apiKey);

  beforeAll(async () => {
    gateway = await startTestGateway();
    acme = await gateway.newTenant("Acme");
    globex = await gateway.newTenant("Globex");
  });
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await gateway?.close();
  });

  test("a tenant makes a second key, uses it, and lists its keys: never a secret, not even its hash", async () => {
    const { apiKey, key } = await createKey(acme, "ci");
    expect(apiKey).toMatch(/^vg_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ label: "ci", lastUsedAt: null, revokedAt: null });
    expect(key.id).toMatch(/^key_/);

    expect(await viewerId(clientOf(apiKey))).toBe(acme.tenantId);

    const response = await acme.request<{ viewer: { apiKeys: ApiKey[] } }>(LIST_KEYS);
    const keys = response.data?.viewer.apiKeys ?? [];
    expect(keys.map((k) => k.label)).toEqual(["default", "ci"]);
    expect(keys[1]).toMatchObject({ id: key.id, createdAt: key.createdAt, revokedAt: null });
    const text = JSON.stringify(response);
    for (const secret of [acme.apiKey, apiKey]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashApiKeySecret(secret));
    }
    // And no field could carry one.
    const { __type } = await acme.data<{ __type: { fields: { name: string }[] } }>(
      '{ __type(name: "ApiKey") { fields { name } } }',
    );
    expect(__type.fields.map((field) => field.name).sort()).toEqual([
      "createdAt",
      "id",
      "label",
      "lastUsedAt",
      "revokedAt",
    ]);
  });

  test("labels are trimmed and must keep 1 to 100 characters: BAD_USER_INPUT otherwise, and nothing is made", async () => {
    expect((await createKey(acme, "  billing service  ")).key.label).toBe("billing service");
    expect((await createKey(acme, "x".repeat(100))).key.label).toHaveLength(100);
    const before = await listKeys(acme);
    for (const label of ["", "   ", "x".repeat(101)]) {
      const response = await acme.request(CREATE_KEY, { input: { label } });
      expect(codesOf(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors?.[0]?.extensions?.field).toBe("label");
    }
    expect(await listKeys(acme)).toEqual(before);
  });

  test("a key's lastUsedAt is set once it has been used", async () => {
    const { apiKey, key } = await createKey(acme, "last used");
    await viewerId(clientOf(apiKey));
    // Recorded off the request's path: wait for the write, do not time it.
    const used = await eventually(async () => {
      const found = (await listKeys(acme)).find((k) => k.id === key.id);
      return found?.lastUsedAt ?? undefined;
    });
    expect(Date.parse(used)).toBeGreaterThanOrEqual(Date.parse(key.createdAt));
  });

  test("a revoked key is refused at once over HTTP, its open socket is closed with 4401; the other keys work on", async () => {
    const { apiKey, key } = await createKey(acme, "temporary");
    const temporary = clientOf(apiKey);
    const revokedSocket = await openSocket(temporary);
    const otherSocket = await openSocket(acme);
    sockets.push(revokedSocket.socket, otherSocket.socket);

    const revoked = await revokeKey(acme, key.id);
    expect(revoked).toMatchObject({ id: key.id, label: "temporary" });
    expect(revoked.revokedAt).not.toBeNull();

    // The very next request, with no wait.
    const refused = await temporary.request("{ viewer { id } }");
    expect(refused.status).toBe(401);
    expect(codesOf(refused)).toEqual(["UNAUTHENTICATED"]);

    expect(await revokedSocket.closed).toEqual({ code: 4401, reason: "Unauthorized: API key revoked" });
    // The first key's socket stays open and its subscription goes on.
    const seen = otherSocket.heads.items.length;
    await otherSocket.heads.waitFor(seen + 3);
    expect(otherSocket.isClosed()).toBe(false);
    expect(await viewerId(acme)).toBe(acme.tenantId);

    // A new socket with the revoked key is refused as any bad key is.
    const socket = new WebSocket(gateway.gateway.wsUrl, "graphql-transport-ws");
    const closeCode = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("open", () =>
      socket.send(
        JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${apiKey}` } }),
      ),
    );
    expect(await closeCode).toBe(4401);

    // Revoking again changes nothing and answers the key as revoked.
    expect(await revokeKey(acme, key.id)).toEqual(revoked);
    expect((await listKeys(acme)).find((k) => k.id === key.id)?.revokedAt).toBe(revoked.revokedAt);
  });

  test("a tenant may revoke the key it is using: that answer arrives, the next request is refused", async () => {
    const { apiKey, key } = await createKey(acme, "self");
    const self = clientOf(apiKey);
    expect((await revokeKey(self, key.id)).revokedAt).not.toBeNull();
    expect(codesOf(await self.request("{ viewer { id } }"))).toEqual(["UNAUTHENTICATED"]);
  });

  test("tenants are kept apart: another tenant's key or tenant id answers NOT_FOUND and changes nothing", async () => {
    const { apiKey, key } = await createKey(acme, "not globex's");

    expect(codesOf(await globex.request(REVOKE_KEY, { id: key.id }))).toEqual(["NOT_FOUND"]);
    expect(await viewerId(clientOf(apiKey))).toBe(acme.tenantId);
    expect((await listKeys(acme)).find((k) => k.id === key.id)?.revokedAt).toBeNull();

    const foreign = await globex.request(CREATE_KEY, { input: { label: "sneaky", tenantId: acme.tenantId } });
    expect(codesOf(foreign)).toEqual(["NOT_FOUND"]);
    expect((await listKeys(acme)).map((k) => k.label)).not.toContain("sneaky");
    // Naming its own tenant is fine.
    expect(await viewerId(clientOf((await createKey(globex, "own", globex.tenantId)).apiKey))).toBe(
      globex.tenantId,
    );

    for (const id of [newId("key"), "not-an-id"]) {
      expect(codesOf(await acme.request(REVOKE_KEY, { id }))).toEqual(["NOT_FOUND"]);
    }
    expect(codesOf(await gateway.anonymous.request(CREATE_KEY, { input: { label: "x" } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    expect(codesOf(await gateway.anonymous.request(REVOKE_KEY, { id: key.id }))).toEqual(["UNAUTHENTICATED"]);
  });

  test("the admin key makes a key for a tenant it names, and may revoke any key", async () => {
    const { apiKey, key } = await createKey(gateway.admin, "ops", globex.tenantId);
    const ops = clientOf(apiKey);
    expect(await viewerId(ops)).toBe(globex.tenantId);
    expect((await listKeys(globex)).map((k) => k.id)).toContain(key.id);

    expect(codesOf(await gateway.admin.request(CREATE_KEY, { input: { label: "x" } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(
      codesOf(await gateway.admin.request(CREATE_KEY, { input: { label: "x", tenantId: newId("ten") } })),
    ).toEqual(["NOT_FOUND"]);

    expect((await revokeKey(gateway.admin, key.id)).revokedAt).not.toBeNull();
    expect(codesOf(await ops.request("{ viewer { id } }"))).toEqual(["UNAUTHENTICATED"]);
  });

  test("the audit log lists each action with who did it and when, newest first, for the admin key only", async () => {
    const started = Date.now();
    const audited = await gateway.newTenant("Audited");
    const [firstKey] = await listKeys(audited);
    const made = await createKey(audited, "deploys");
    await revokeKey(audited, made.key.id);
    await revokeKey(audited, made.key.id); // changes nothing: not logged again
    const byAdmin = await createKey(gateway.admin, "support", audited.tenantId);

    const { auditLog } = await gateway.admin.data<AuditPage>(AUDIT_LOG, { tenantId: audited.tenantId });
    const entries = auditLog.edges.map((edge) => edge.node);
    expect(entries.map((entry) => [entry.action, entry.actor, entry.targetId])).toEqual([
      ["apiKey.create", { kind: "ADMIN", tenantId: null, apiKeyId: null }, byAdmin.key.id],
      ["apiKey.revoke", { kind: "TENANT", tenantId: audited.tenantId, apiKeyId: firstKey?.id }, made.key.id],
      ["apiKey.create", { kind: "TENANT", tenantId: audited.tenantId, apiKeyId: firstKey?.id }, made.key.id],
      ["tenant.create", { kind: "ADMIN", tenantId: null, apiKeyId: null }, audited.tenantId],
    ]);
    for (const entry of entries) {
      expect(entry.tenantId).toBe(audited.tenantId);
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(started - 1_000);
    }
    const times = entries.map((entry) => Date.parse(entry.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(JSON.parse(entries[2]?.details ?? "null")).toEqual({ label: "deploys" });
    expect(JSON.parse(entries[3]?.details ?? "null")).toEqual({ name: "Audited", apiKeyId: firstKey?.id });
    const text = JSON.stringify(auditLog);
    for (const secret of [audited.apiKey, made.apiKey, byAdmin.apiKey]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashApiKeySecret(secret));
    }

    // Paged like every list; unfiltered it holds the other tenants' entries too.
    const page1 = await gateway.admin.data<AuditPage>(AUDIT_LOG, { first: 3, tenantId: audited.tenantId });
    expect(page1.auditLog.pageInfo.hasNextPage).toBe(true);
    const page2 = await gateway.admin.data<AuditPage>(AUDIT_LOG, {
      first: 3,
      after: page1.auditLog.pageInfo.endCursor,
      tenantId: audited.tenantId,
    });
    expect([...page1.auditLog.edges, ...page2.auditLog.edges].map((edge) => edge.node)).toEqual(entries);
    expect(page2.auditLog.pageInfo.hasNextPage).toBe(false);
    const all = await gateway.admin.data<AuditPage>(AUDIT_LOG, { first: 100 });
    expect(new Set(all.auditLog.edges.map((edge) => edge.node.tenantId))).toContain(acme.tenantId);

    expect(codesOf(await audited.request(AUDIT_LOG))).toEqual(["FORBIDDEN"]);
    expect(codesOf(await gateway.anonymous.request(AUDIT_LOG))).toEqual(["UNAUTHENTICATED"]);
  });
});

if (requireClusterServices(await clusterServicesMissing(), "API keys across replicas")) {
  describe("API keys across two replicas on PostgreSQL + Redis", () => {
    const root = mkdtempSync(join(tmpdir(), "vg-api-keys-"));
    let node: RefchainNode;
    let refchain: Awaited<ReturnType<typeof startRefchainServer>>;
    let database: Awaited<ReturnType<typeof freshDatabaseSchema>>;
    const redis = freshRedisPrefix();
    let a: TestGateway;
    let b: TestGateway;
    const sockets: Client[] = [];

    beforeAll(async () => {
      node = RefchainNode.open({ dataDir: join(root, "refchain"), blockTimeMs: 50 });
      refchain = await startRefchainServer({ node, port: 0 });
      database = await freshDatabaseSchema();
      // Two gateways in this process, each with its own store pool, bus and authenticator: replicas
      // as far as API keys are concerned.
      const env = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redis.prefix,
        REFCHAIN_URL: refchain.url,
        GATEWAY_ADMIN_KEY: randomBytes(32).toString("base64url"),
        GATEWAY_MASTER_KEY: randomBytes(32).toString("hex"),
        GATEWAY_EXPLORER: "off",
      };
      a = await startTestGateway(env);
      b = await startTestGateway(env);
    });
    afterAll(async () => {
      await Promise.all(sockets.map((socket) => socket.dispose()));
      await a?.close();
      await b?.close();
      await refchain?.close();
      await node?.close();
      await database?.drop().catch(() => {});
      await redis.clear().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    });

    test("a key revoked on A is refused on B and B's socket with it is closed with 4401", async () => {
      const tenantOnA = await a.newTenant("Replicated");
      const { apiKey, key } = await createKey(tenantOnA, "roaming");
      const onB = new GraphQLTestClient(b.gateway.url, b.gateway.wsUrl, apiKey);
      // B has seen the key (and cached it) and holds a socket authenticated with it.
      expect(await viewerId(onB)).toBe(tenantOnA.tenantId);
      const socket = await openSocket(onB);
      sockets.push(socket.socket);

      await revokeKey(tenantOnA, key.id);

      expect(await socket.closed).toEqual({ code: 4401, reason: "Unauthorized: API key revoked" });
      // The notice that closed the socket cleared B's cache first: refused there too.
      expect(codesOf(await onB.request("{ viewer { id } }"))).toEqual(["UNAUTHENTICATED"]);
      const firstKeyOnB = new GraphQLTestClient(b.gateway.url, b.gateway.wsUrl, tenantOnA.apiKey);
      expect(await viewerId(firstKeyOnB)).toBe(tenantOnA.tenantId);
    });
  });
}
