import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // type-graphql is CommonJS and requires graphql's CJS build; our ESM code and Apollo would load
    // the ESM build: two copies of graphql ("another module or realm"). Point every import at one.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }],
  },
  test: {
    include: ["src/**/*.test.ts", "adapters/**/*.test.ts", "test/**/*.test.ts", "tools/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Chains, SQLite files and child processes per test file: keep files apart, two at a time on two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
