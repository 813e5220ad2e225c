import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./configError.ts";
import { DEV_KEYS_FILE } from "./devKeys.ts";

const ADMIN_KEY = "an-admin-key-that-is-long-enough-0123456789";
const MASTER_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "vg-config-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The ConfigError `load` throws (fails the test when it throws nothing or something else). */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig: defaults and values", () => {
  test("defaults: port 4000, host 127.0.0.1, everything optional off", () => {
    const config = loadConfig({ DATA_DIR: root });
    expect(config).toMatchObject({
      port: 4000,
      host: "127.0.0.1",
      dataDir: root,
      production: false,
      refchainUrl: null,
      evmRpcUrls: [],
      solanaRpcUrl: null,
      databaseUrl: null,
      redisUrl: null,
      explorer: true,
    });
  });

  test("GATEWAY_EXPLORER=off turns the dev explorer off; on/off is trimmed and case-insensitive", () => {
    expect(loadConfig({ DATA_DIR: root, GATEWAY_EXPLORER: "off" }).explorer).toBe(false);
    expect(loadConfig({ DATA_DIR: root, GATEWAY_EXPLORER: " ON " }).explorer).toBe(true);
  });

  test("DATA_DIR defaults to ./data, resolved against the working directory", () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(loadConfig({}).dataDir).toBe(join(root, "data"));
    } finally {
      process.chdir(cwd);
    }
  });

  test("reads every variable; PORT=0 is allowed; EVM_RPC_URLS trims and skips empty entries", () => {
    const env = {
      PORT: "0",
      HOST: "0.0.0.0",
      DATA_DIR: root,
      REFCHAIN_URL: "http://127.0.0.1:7000",
      EVM_RPC_URLS: " http://127.0.0.1:8545 ,, https://rpc.example.org ,",
      SOLANA_RPC_URL: "http://127.0.0.1:8899",
      DATABASE_URL: "postgres://user:secret@db:5432/gateway",
      REDIS_URL: "redis://127.0.0.1:6379",
    };
    const config = loadConfig(env);
    expect(config).toMatchObject({
      port: 0,
      host: "0.0.0.0",
      refchainUrl: "http://127.0.0.1:7000",
      evmRpcUrls: ["http://127.0.0.1:8545", "https://rpc.example.org"],
      solanaRpcUrl: "http://127.0.0.1:8899",
      databaseUrl: "postgres://user:secret@db:5432/gateway",
      redisUrl: "redis://127.0.0.1:6379",
    });
    expect(config.env).toBe(env);
  });
});

describe("loadConfig: dev keys", () => {
  test("generates admin, master and dev tenant keys once into DATA_DIR/dev-keys.json (0600) and reuses them", () => {
    const dataDir = join(root, "nested", "data");
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.adminKey.length).toBeGreaterThanOrEqual(32);
    expect(first.masterKey).toHaveLength(32);
    expect(first.devTenantApiKey).toMatch(/^vg_[A-Za-z0-9_-]{43}$/);
    expect(first.generatedDevKeys.sort()).toEqual(["adminKey", "masterKey", "tenantApiKey"]);

    const file = join(dataDir, DEV_KEYS_FILE);
    expect(first.devKeysFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      adminKey: first.adminKey,
      masterKey: Buffer.from(first.masterKey).toString("hex"),
      tenantApiKey: first.devTenantApiKey,
    });

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.adminKey).toBe(first.adminKey);
    expect(second.masterKey).toEqual(first.masterKey);
    expect(second.devTenantApiKey).toBe(first.devTenantApiKey);
    expect(second.generatedDevKeys).toEqual([]);
  });

  test("an env value wins over the file, and the file keeps its own for starts without it", () => {
    const generated = loadConfig({ DATA_DIR: root });
    const fromEnv = loadConfig({
      DATA_DIR: root,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_MASTER_KEY: MASTER_KEY,
    });
    expect(fromEnv.adminKey).toBe(ADMIN_KEY);
    expect(Buffer.from(fromEnv.masterKey).toString("hex")).toBe(MASTER_KEY);
    expect(fromEnv.devTenantApiKey).toBe(generated.devTenantApiKey);

    const again = loadConfig({ DATA_DIR: root });
    expect(again.adminKey).toBe(generated.adminKey);
    expect(again.masterKey).toEqual(generated.masterKey);
  });

  test("keys given by env are not generated; a later start without them generates them then", () => {
    const withEnv = loadConfig({
      DATA_DIR: root,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_MASTER_KEY: MASTER_KEY,
    });
    expect(withEnv.generatedDevKeys).toEqual(["tenantApiKey"]);
    const file = join(root, DEV_KEYS_FILE);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")))).toEqual(["tenantApiKey"]);

    const without = loadConfig({ DATA_DIR: root });
    expect(without.generatedDevKeys.sort()).toEqual(["adminKey", "masterKey"]);
    expect(without.devTenantApiKey).toBe(withEnv.devTenantApiKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a corrupt dev-keys.json is refused with the file named and what to do", () => {
    writeFileSync(join(root, DEV_KEYS_FILE), '{"masterKey": "not hex"}');
    const error = configError(() => loadConfig({ DATA_DIR: root }));
    expect(error.message).toContain(join(root, DEV_KEYS_FILE));
    expect(error.message).toContain("masterKey");
    expect(error.message).toMatch(/delete it/);
  });
});

describe("loadConfig: production", () => {
  test("refuses to start without admin and master keys, naming both and how to generate them", () => {
    const error = configError(() => loadConfig({ NODE_ENV: "production", DATA_DIR: root }));
    expect(error.message).toContain("GATEWAY_ADMIN_KEY");
    expect(error.message).toContain("GATEWAY_MASTER_KEY");
    expect(error.message).toContain("openssl rand -hex 32");
    expect(error.variables).toEqual(["GATEWAY_ADMIN_KEY", "GATEWAY_MASTER_KEY"]);
  });

  test("names only the missing one", () => {
    const error = configError(() =>
      loadConfig({ NODE_ENV: "production", DATA_DIR: root, GATEWAY_ADMIN_KEY: ADMIN_KEY }),
    );
    expect(error.message).toContain("GATEWAY_MASTER_KEY");
    expect(error.message).not.toContain("GATEWAY_ADMIN_KEY");
    expect(error.variables).toEqual(["GATEWAY_MASTER_KEY"]);
  });

  test("with both keys: no dev tenant, and nothing written to DATA_DIR", () => {
    const dataDir = join(root, "data");
    const config = loadConfig({
      NODE_ENV: "production",
      DATA_DIR: dataDir,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_MASTER_KEY: MASTER_KEY,
    });
    expect(config.production).toBe(true);
    expect(config.devTenantApiKey).toBeNull();
    expect(config.devKeysFile).toBeNull();
    expect(config.adminKey).toBe(ADMIN_KEY);
    expect(config.explorer).toBe(false);
    expect(() => statSync(dataDir)).toThrow();
  });

  test("the explorer is off unless GATEWAY_EXPLORER=on", () => {
    const env = {
      NODE_ENV: "production",
      DATA_DIR: root,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_MASTER_KEY: MASTER_KEY,
    };
    expect(loadConfig({ ...env, GATEWAY_EXPLORER: "on" }).explorer).toBe(true);
    expect(loadConfig({ ...env, GATEWAY_EXPLORER: "off" }).explorer).toBe(false);
  });
});

describe("loadConfig: invalid values", () => {
  test.each([
    ["PORT", "abc", /PORT must be a whole number from 0 to 65535/],
    ["PORT", "65536", /PORT must be a whole number/],
    ["PORT", "-1", /PORT must be a whole number/],
    ["GATEWAY_ADMIN_KEY", "too-short", /GATEWAY_ADMIN_KEY must be at least 32 characters.*openssl rand/],
    [
      "GATEWAY_MASTER_KEY",
      "abcd",
      /GATEWAY_MASTER_KEY must be 64 hex characters \(32 bytes\); generate one with: openssl rand -hex 32/,
    ],
    ["GATEWAY_MASTER_KEY", `${"z".repeat(64)}`, /GATEWAY_MASTER_KEY must be 64 hex characters/],
    ["REFCHAIN_URL", "not a url", /REFCHAIN_URL must be a http or https or ws or wss URL/],
    ["EVM_RPC_URLS", "http://ok:8545,nope", /EVM_RPC_URLS must be comma-separated/],
    ["SOLANA_RPC_URL", "ftp://x", /SOLANA_RPC_URL must be/],
    ["DATABASE_URL", "mysql://user:hunter2@db/x", /DATABASE_URL must be a postgres or postgresql URL/],
    ["REDIS_URL", "localhost:6379", /REDIS_URL must be a redis or rediss URL/],
    ["GATEWAY_EXPLORER", "yes", /GATEWAY_EXPLORER must be on or off; got "yes"/],
  ])("%s=%s is refused with a message saying what to set", (variable, value, message) => {
    const error = configError(() => loadConfig({ DATA_DIR: root, [variable]: value }));
    expect(error.message).toMatch(message);
    expect(error.variables).toEqual([variable]);
  });

  test("secrets in URLs are not echoed back", () => {
    const error = configError(() =>
      loadConfig({ DATA_DIR: root, DATABASE_URL: "mysql://user:hunter2@db/x" }),
    );
    expect(error.message).not.toContain("hunter2");
  });

  test("every problem is reported at once, and nothing is written", () => {
    const error = configError(() =>
      loadConfig({ DATA_DIR: root, PORT: "x", GATEWAY_MASTER_KEY: "short", REDIS_URL: "nope" }),
    );
    expect(error.variables).toEqual(["PORT", "GATEWAY_MASTER_KEY", "REDIS_URL"]);
    expect(error.message).toMatch(/3 problems/);
    expect(() => statSync(join(root, DEV_KEYS_FILE))).toThrow();
  });
});
