import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { generateApiKeySecret, hashApiKeySecret } from "../auth/apiKeySecret.ts";
import { createAuthenticator } from "../auth/authenticate.ts";
import { createMemoryEventBus } from "../events/memoryEventBus.ts";
import { newId } from "../ids.ts";
import { createLogger } from "../logger.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store } from "../store/store.ts";
import { followApiKeyRevocations } from "./followApiKeyRevocations.ts";
import { CLOSE_REVOKED, SocketsByApiKey } from "./socketsByApiKey.ts";

let dir: string;
let store: Store;
const tenantId = newId("ten");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vg-revocations-"));
  store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
  await store.createTenant({ id: tenantId, name: "Acme", createdAt: new Date() }, newKey().record);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function newKey() {
  const secret = generateApiKeySecret();
  const record = {
    id: newId("key"),
    tenantId,
    label: "test",
    secretHash: hashApiKeySecret(secret),
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
  return { secret, record };
}

class Socket extends EventEmitter {
  closedWith: { code: number; reason: string } | null = null;
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.emit("close");
  }
}

/** A replica's revocation wiring on the real store, a memory bus and a real authenticator. */
function replica(recheckEveryMs = 0) {
  const bus = createMemoryEventBus();
  const authenticator = createAuthenticator({
    store,
    adminKey: "admin-key-of-this-test-0123456789",
    ttlMs: 60_000,
  });
  const sockets = new SocketsByApiKey();
  const stop = followApiKeyRevocations({
    bus,
    store,
    authenticator,
    sockets,
    logger: createLogger("silent"),
    recheckEveryMs,
  });
  return { bus, authenticator, sockets, stop };
}

test("a notice makes the key refused at once and closes its sockets", async () => {
  const { bus, authenticator, sockets, stop } = replica();
  const key = newKey();
  await store.createApiKey(key.record);
  await authenticator.authenticate(key.secret); // cached for a minute
  const socket = new Socket();
  sockets.add(key.record.id, socket);

  await store.revokeApiKey(key.record.id, new Date());
  bus.publishApiKeyRevoked(key.record.id);

  await expect(authenticator.authenticate(key.secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  await vi.waitFor(() => expect(socket.closedWith).toEqual(CLOSE_REVOKED));
  stop();
});

test("without a notice, the recheck finds a revoked key among the open sockets' and closes them", async () => {
  const { authenticator, sockets, stop } = replica(20);
  const [revoked, live] = [newKey(), newKey()];
  for (const key of [revoked, live]) await store.createApiKey(key.record);
  await authenticator.authenticate(revoked.secret);
  const [revokedSocket, liveSocket] = [new Socket(), new Socket()];
  sockets.add(revoked.record.id, revokedSocket);
  sockets.add(live.record.id, liveSocket);

  // Revoked where no notice reaches this replica (the notice was lost).
  await store.revokeApiKey(revoked.record.id, new Date());

  await vi.waitFor(() => expect(revokedSocket.closedWith).toEqual(CLOSE_REVOKED));
  await expect(authenticator.authenticate(revoked.secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  expect(liveSocket.closedWith).toBeNull();
  expect(sockets.apiKeyIds()).toEqual([live.record.id]);
  stop();
});

test("once stopped, notices change nothing", async () => {
  const { bus, sockets, stop } = replica();
  const socket = new Socket();
  sockets.add("key_x", socket);
  stop();
  bus.publishApiKeyRevoked("key_x");
  await new Promise((resolve) => setImmediate(resolve));
  expect(socket.closedWith).toBeNull();
});
