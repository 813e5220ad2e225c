import { test } from "vitest";

// Apart from clusterServices.ts, which stays free of vitest: the replicas bench (plain node) uses it.

/**
 * Registers a test that says why a suite cannot run: failing under REQUIRE_SERVICES=1 (CI), skipped
 * with the reason printed otherwise. Returns true when the suite can run.
 */
export function requireServices(missing: string | null, suite: string): boolean {
  if (missing === null) return true;
  if (process.env.REQUIRE_SERVICES === "1") {
    test(`${suite}: the services it needs are reachable (REQUIRE_SERVICES=1)`, () => {
      throw new Error(missing);
    });
  } else {
    console.log(`${suite} skipped: ${missing}`);
    test.skip(`${suite} (${missing})`, () => {});
  }
  return false;
}

/** The same, for suites that need PostgreSQL and Redis. */
export const requireClusterServices = requireServices;
