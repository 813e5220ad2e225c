import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "adapters/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Chains, SQLite files and child processes per test file: keep files apart, two at a time on two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
