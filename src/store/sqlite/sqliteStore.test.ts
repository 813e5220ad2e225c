import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../store.ts";
import { storeSuite } from "../storeSuite.ts";
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
