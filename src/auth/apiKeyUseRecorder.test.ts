import { expect, test } from "vitest";
import type { ApiKeyRecord } from "../store/store.ts";
import { ApiKeyUseRecorder } from "./apiKeyUseRecorder.ts";

const MINUTE = 60_000;

function key(id: string, lastUsedAt: number | null = null): ApiKeyRecord {
  return {
    id,
    tenantId: "ten_1",
    label: "ci",
    secretHash: id,
    createdAt: new Date(0),
    lastUsedAt: lastUsedAt === null ? null : new Date(lastUsedAt),
    revokedAt: null,
  };
}

/** A recorder on a clock moved by hand, and the writes it made (the store's method, recorded). */
function recorder(options: { maxEntries?: number; fail?: boolean } = {}) {
  let now = 10 * MINUTE;
  const writes: [string, number][] = [];
  const errors: string[] = [];
  const uses = new ApiKeyUseRecorder({
    store: {
      async recordApiKeyUse(id, at) {
        writes.push([id, at.getTime()]);
        if (options.fail) throw new Error("store down");
      },
    },
    now: () => now,
    onError: (_error, id) => errors.push(id),
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
  });
  return {
    uses,
    writes,
    errors,
    advance(ms: number) {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

test("a key's use is written on first use, then at most once a minute however busy it is", () => {
  const r = recorder();
  const start = r.now;
  for (let i = 0; i < 100; i++) r.uses.used(key("key_a"));
  expect(r.writes).toEqual([["key_a", start]]);

  r.advance(MINUTE - 1);
  r.uses.used(key("key_a"));
  expect(r.writes).toHaveLength(1);
  r.advance(1);
  r.uses.used(key("key_a"));
  r.uses.used(key("key_a"));
  expect(r.writes).toEqual([
    ["key_a", start],
    ["key_a", start + MINUTE],
  ]);
});

test("keys are throttled apart; a lastUsedAt another replica wrote a moment ago counts too", () => {
  const r = recorder();
  r.uses.used(key("key_a"));
  r.uses.used(key("key_b"));
  r.uses.used(key("key_c", r.now - 10_000));
  r.uses.used(key("key_d", r.now - MINUTE));
  expect(r.writes.map(([id]) => id)).toEqual(["key_a", "key_b", "key_d"]);
});

test("a failed write is reported, not thrown; the key is tried again a minute later", async () => {
  const r = recorder({ fail: true });
  expect(() => r.uses.used(key("key_a"))).not.toThrow();
  await Promise.resolve();
  await Promise.resolve();
  expect(r.errors).toEqual(["key_a"]);
  r.uses.used(key("key_a"));
  r.advance(MINUTE);
  r.uses.used(key("key_a"));
  expect(r.writes).toHaveLength(2);
});

test("remembers at most maxEntries keys: a key pushed out is at worst written once more", () => {
  const r = recorder({ maxEntries: 2 });
  for (const id of ["key_a", "key_b", "key_c"]) r.uses.used(key(id));
  r.uses.used(key("key_b"));
  r.uses.used(key("key_c"));
  expect(r.writes).toHaveLength(3);
  r.uses.used(key("key_a"));
  expect(r.writes.map(([id]) => id)).toEqual(["key_a", "key_b", "key_c", "key_a"]);
});
