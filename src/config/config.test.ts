import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { DEFAULT_RATE_LIMIT, loadConfig } from "./config.ts";
import { ConfigError } from "./configError.ts";
import { DEV_KEYS_FILE } from "./devKeys.ts";
import { DEFAULT_LIMITS } from "./limitsConfig.ts";

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
    ["GATEWAY_METRICS_TOKEN", "short", /GATEWAY_METRICS_TOKEN must be at least 32 characters.*openssl rand/],
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

describe("loadConfig: GATEWAY_METRICS_TOKEN", () => {
  test("unset (or empty) turns /metrics off; a token of 32 characters or more is kept, trimmed", () => {
    expect(loadConfig({ DATA_DIR: root }).metricsToken).toBeNull();
    expect(loadConfig({ DATA_DIR: root, GATEWAY_METRICS_TOKEN: " " }).metricsToken).toBeNull();
    const token = "m".repeat(32);
    expect(loadConfig({ DATA_DIR: root, GATEWAY_METRICS_TOKEN: ` ${token} ` }).metricsToken).toBe(token);
  });

  test("a token that is too short is refused without being echoed", () => {
    const error = configError(() => loadConfig({ DATA_DIR: root, GATEWAY_METRICS_TOKEN: "hunter2-secret" }));
    expect(error.message).toMatch(/GATEWAY_METRICS_TOKEN must be at least 32 characters \(it has 14\)/);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("loadConfig: GATEWAY_RATE_LIMIT", () => {
  test("defaults to 6,000 operations per tenant per minute", () => {
    expect(DEFAULT_RATE_LIMIT).toEqual({ points: 6000, windowSeconds: 60 });
    expect(loadConfig({ DATA_DIR: root }).rateLimit).toEqual(DEFAULT_RATE_LIMIT);
  });

  test.each([
    ["600/1m", { points: 600, windowSeconds: 60 }],
    ["50/1s", { points: 50, windowSeconds: 1 }],
    ["2/30s", { points: 2, windowSeconds: 30 }],
    ["1000/2h", { points: 1000, windowSeconds: 7200 }],
    ["100/h", { points: 100, windowSeconds: 3600 }],
    [" 600 / 1M ", { points: 600, windowSeconds: 60 }],
    ["5/24h", { points: 5, windowSeconds: 86_400 }],
  ])("%s is read as %o", (value, rateLimit) => {
    expect(loadConfig({ DATA_DIR: root, GATEWAY_RATE_LIMIT: value }).rateLimit).toEqual(rateLimit);
  });

  test("off (in any case) turns rate limits off", () => {
    expect(loadConfig({ DATA_DIR: root, GATEWAY_RATE_LIMIT: "off" }).rateLimit).toBeNull();
    expect(loadConfig({ DATA_DIR: root, GATEWAY_RATE_LIMIT: " OFF " }).rateLimit).toBeNull();
  });

  test("empty means unset: the default", () => {
    expect(loadConfig({ DATA_DIR: root, GATEWAY_RATE_LIMIT: " " }).rateLimit).toEqual(DEFAULT_RATE_LIMIT);
  });

  test.each(["0/1s", "abc", "10/1d", "10/0s", "10/25h", "-5/1m", "1.5/1m", "10", "10/1m/1s", "on"])(
    "%s is refused with the form and examples",
    (value) => {
      const error = configError(() => loadConfig({ DATA_DIR: root, GATEWAY_RATE_LIMIT: value }));
      expect(error.variables).toEqual(["GATEWAY_RATE_LIMIT"]);
      expect(error.message).toContain("GATEWAY_RATE_LIMIT must be <operations>/<window>");
      expect(error.message).toContain("600/1m");
      expect(error.message).toContain("off");
      expect(error.message).toContain(`got "${value.toLowerCase()}"`);
    },
  );
});

describe("loadConfig: REDIS_KEY_PREFIX", () => {
  test('defaults to "value-gateway"; a given prefix is kept as it is (trimmed)', () => {
    expect(loadConfig({ DATA_DIR: root }).redisKeyPrefix).toBe("value-gateway");
    expect(loadConfig({ DATA_DIR: root, REDIS_KEY_PREFIX: " eu-1:gateway_v2.a " }).redisKeyPrefix).toBe(
      "eu-1:gateway_v2.a",
    );
  });

  test.each(["has space", "star*", "x".repeat(65), "über"])(
    "%s is refused, saying what is allowed",
    (value) => {
      const error = configError(() => loadConfig({ DATA_DIR: root, REDIS_KEY_PREFIX: value }));
      expect(error.variables).toEqual(["REDIS_KEY_PREFIX"]);
      expect(error.message).toContain("REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : _ . -");
    },
  );
});

describe("loadConfig: DATABASE_URL", () => {
  const REFCHAIN_URL = "http://127.0.0.1:7000";

  test("?schema= becomes databaseSchema and leaves databaseUrl; other parameters stay", () => {
    const config = loadConfig({
      DATA_DIR: root,
      REFCHAIN_URL,
      DATABASE_URL: "postgres://user:secret@db:5432/gateway?sslmode=disable&schema=tenant_a",
    });
    expect(config.databaseSchema).toBe("tenant_a");
    expect(config.databaseUrl).toBe("postgres://user:secret@db:5432/gateway?sslmode=disable");

    const only = loadConfig({
      DATA_DIR: root,
      REFCHAIN_URL,
      DATABASE_URL: "postgresql://db/gateway?schema=gw",
    });
    expect(only.databaseSchema).toBe("gw");
    expect(only.databaseUrl).toBe("postgresql://db/gateway");
  });

  test("without ?schema= the schema is null (the connection's own) and the URL is as given", () => {
    const config = loadConfig({ DATA_DIR: root, REFCHAIN_URL, DATABASE_URL: "postgres://db:5432/gateway" });
    expect(config.databaseSchema).toBeNull();
    expect(config.databaseUrl).toBe("postgres://db:5432/gateway");
  });

  test.each(["Tenant_A", "1abc", "a-b", "a;drop", "x".repeat(64)])(
    "?schema=%s is refused: a lower-case identifier, and the password is not echoed",
    (schema) => {
      const error = configError(() =>
        loadConfig({
          DATA_DIR: root,
          REFCHAIN_URL,
          DATABASE_URL: `postgres://user:hunter2@db/gateway?schema=${encodeURIComponent(schema)}`,
        }),
      );
      expect(error.variables).toEqual(["DATABASE_URL"]);
      expect(error.message).toContain("DATABASE_URL's ?schema= must be a lower-case identifier");
      expect(error.message).not.toContain("hunter2");
    },
  );

  test("without REFCHAIN_URL it is refused, naming both: replicas sharing a database must share a chain", () => {
    const error = configError(() =>
      loadConfig({ DATA_DIR: root, DATABASE_URL: "postgres://user:hunter2@db:5432/gateway" }),
    );
    expect(error.variables).toEqual(["DATABASE_URL", "REFCHAIN_URL"]);
    expect(error.message).toContain("DATABASE_URL");
    expect(error.message).toContain("REFCHAIN_URL");
    expect(error.message).toContain("value-gateway refchain start");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("loadConfig: the GraphQL front's limits", () => {
  test("defaults: query limits, 1 MiB bodies, CORS off, 3 s to send connection_init, subscription caps", () => {
    const { limits } = loadConfig({ DATA_DIR: root });
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(limits).toEqual({
      query: { depth: 15, cost: 100_000, aliases: 30, directives: 50, tokens: 2_000 },
      maxBodyBytes: 1_048_576,
      corsOrigins: [],
      wsInitTimeoutMs: 3_000,
      subscriptions: { perSocket: 100, perTenant: 1_000 },
    });
  });

  test("reads every variable, trimmed", () => {
    const { limits } = loadConfig({
      DATA_DIR: root,
      GATEWAY_MAX_QUERY_DEPTH: " 8 ",
      GATEWAY_MAX_QUERY_COST: "5000",
      GATEWAY_MAX_QUERY_ALIASES: "4",
      GATEWAY_MAX_QUERY_DIRECTIVES: "5",
      GATEWAY_MAX_QUERY_TOKENS: "600",
      GATEWAY_MAX_BODY_BYTES: "65536",
      GATEWAY_CORS_ORIGINS: " https://app.example.com ,, http://localhost:5173 ",
      GATEWAY_WS_INIT_TIMEOUT_MS: "1500",
      GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: "7",
      GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT: "70",
    });
    expect(limits).toEqual({
      query: { depth: 8, cost: 5000, aliases: 4, directives: 5, tokens: 600 },
      maxBodyBytes: 65536,
      corsOrigins: ["https://app.example.com", "http://localhost:5173"],
      wsInitTimeoutMs: 1500,
      subscriptions: { perSocket: 7, perTenant: 70 },
    });
  });

  test("GATEWAY_CORS_ORIGINS=* alone allows any origin; empty is off", () => {
    expect(loadConfig({ DATA_DIR: root, GATEWAY_CORS_ORIGINS: " * " }).limits.corsOrigins).toEqual(["*"]);
    expect(loadConfig({ DATA_DIR: root, GATEWAY_CORS_ORIGINS: " " }).limits.corsOrigins).toEqual([]);
  });

  test.each([
    ["GATEWAY_MAX_QUERY_DEPTH", "0"],
    ["GATEWAY_MAX_QUERY_DEPTH", "ten"],
    ["GATEWAY_MAX_QUERY_COST", "-1"],
    ["GATEWAY_MAX_QUERY_ALIASES", "1.5"],
    ["GATEWAY_MAX_QUERY_DIRECTIVES", "off"],
    ["GATEWAY_MAX_QUERY_TOKENS", "99999999999"],
    ["GATEWAY_MAX_BODY_BYTES", "1mb"],
    ["GATEWAY_WS_INIT_TIMEOUT_MS", "0"],
    ["GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET", "0"],
    ["GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT", "many"],
  ])("%s=%s is refused: a whole number from 1 up", (variable, value) => {
    const error = configError(() => loadConfig({ DATA_DIR: root, [variable]: value }));
    expect(error.variables).toEqual([variable]);
    expect(error.message).toMatch(
      new RegExp(`^${variable} must be a whole number from 1 to \\d+; got "${value}"\\.$`),
    );
  });

  test.each([
    "app.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "ftp://files.example.com",
    "https://a.example.com,*",
  ])("GATEWAY_CORS_ORIGINS=%s is refused: origins as browsers send them, or * alone", (value) => {
    const error = configError(() => loadConfig({ DATA_DIR: root, GATEWAY_CORS_ORIGINS: value }));
    expect(error.variables).toEqual(["GATEWAY_CORS_ORIGINS"]);
    expect(error.message).toMatch(
      /GATEWAY_CORS_ORIGINS must be comma-separated origins \(scheme:\/\/host\[:port\], no path\)/,
    );
  });

  test("limit problems are reported with the others", () => {
    const error = configError(() =>
      loadConfig({ DATA_DIR: root, PORT: "x", GATEWAY_MAX_QUERY_DEPTH: "0", GATEWAY_CORS_ORIGINS: "nope" }),
    );
    expect(error.variables).toEqual(["PORT", "GATEWAY_MAX_QUERY_DEPTH", "GATEWAY_CORS_ORIGINS"]);
  });
});
