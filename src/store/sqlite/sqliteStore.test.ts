import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { describe, expect, test } from "vitest";
import type { Database } from "../database.ts";
import { StaleFenceError } from "../staleFenceError.ts";
import type { Store } from "../store.ts";
import { storeSuite } from "../storeSuite.ts";
import { sqliteMigrationDialect } from "./migrations/migrationDialect.ts";
import { storeMigrations } from "./migrations/storeMigrations.ts";
import { openConnection } from "./openConnection.ts";
import { openSqliteStore } from "./openSqliteStore.ts";

// The shared Store suite on a real SQLite file in a fresh temporary directory per test; reopen
// closes the file and opens it again, which is what a restart of the gateway does.
storeSuite("SqliteStore", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vg-store-"));
  const path = join(dir, "gateway.db");
  let store: Store = await openSqliteStore({ path });
  return {
    store,
    async reopen() {
      await store.close();
      store = await openSqliteStore({ path });
      return store;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteStore schema upgrade", () => {
  test("0002 gives the progress a database already holds fence 0, which a fenced tracker then takes over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vg-store-"));
    const path = join(dir, "gateway.db");
    try {
      // A file as the gateway left it before fences: only the first migration, one chain's progress.
      const db = openConnection(path, 5_000);
      const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
      const migrator = new Migrator({ db: kysely, provider: storeMigrations(sqliteMigrationDialect) });
      const { error } = await migrator.migrateTo("0001_initial_schema");
      expect(error).toBeUndefined();
      db.prepare("INSERT INTO chain_progress (chain_id, height, hash) VALUES (?, ?, ?)").run(
        "refchain:local",
        7n,
        "0x07",
      );
      await kysely.destroy();

      const store = await openSqliteStore({ path });
      try {
        expect(await store.getChainProgress("refchain:local")).toEqual({
          chainId: "refchain:local",
          height: 7n,
          hash: "0x07",
          fence: 0n,
        });
        await store.setChainProgress({ chainId: "refchain:local", height: 8n, hash: "0x08", fence: 1n });
        await expect(
          store.setChainProgress({ chainId: "refchain:local", height: 9n, hash: "0x09" }),
        ).rejects.toBeInstanceOf(StaleFenceError);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
