import { EventEmitter } from "node:events";
import { expect, test } from "vitest";
import { CLOSE_REVOKED, SocketsByApiKey } from "./socketsByApiKey.ts";

/** A socket that closes as ws's does: it records the close and emits "close". */
class Socket extends EventEmitter {
  closedWith: { code: number; reason: string } | null = null;
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.emit("close");
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("a revoked key's sockets are closed with 4401 (on the next turn); other keys' stay open", async () => {
  const sockets = new SocketsByApiKey();
  const [a1, a2, b] = [new Socket(), new Socket(), new Socket()];
  sockets.add("key_a", a1);
  sockets.add("key_a", a2);
  sockets.add("key_b", b);
  expect(sockets.size).toBe(3);

  sockets.revoked("key_a");
  // Not inside the revocation: an answer to the revoking operation on this socket goes out first.
  expect(a1.closedWith).toBeNull();
  await nextTurn();
  expect(a1.closedWith).toEqual(CLOSE_REVOKED);
  expect(a2.closedWith).toEqual(CLOSE_REVOKED);
  expect(b.closedWith).toBeNull();
  expect(sockets.apiKeyIds()).toEqual(["key_b"]);
});

test("a socket leaves the registry when it closes on its own", () => {
  const sockets = new SocketsByApiKey();
  const socket = new Socket();
  sockets.add("key_a", socket);
  socket.emit("close");
  expect(sockets.size).toBe(0);
  expect(sockets.apiKeyIds()).toEqual([]);
});

test("a socket registering with a key revoked a moment ago is closed; once forgotten, the store decides again", async () => {
  let now = 0;
  const sockets = new SocketsByApiKey({ rememberRevokedMs: 1_000, now: () => now });
  sockets.revoked("key_a");
  const late = new Socket();
  sockets.add("key_a", late);
  await nextTurn();
  expect(late.closedWith).toEqual(CLOSE_REVOKED);
  expect(sockets.size).toBe(0);

  now += 1_000;
  const later = new Socket();
  sockets.add("key_a", later);
  await nextTurn();
  expect(later.closedWith).toBeNull();
  expect(sockets.size).toBe(1);
});
