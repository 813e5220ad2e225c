import { resolve } from "node:path";
import { ConfigError } from "./configError.ts";
import { type DevKeyName, loadDevKeys } from "./devKeys.ts";
import { type GatewayLimits, readLimits } from "./limitsConfig.ts";

/** Everything the gateway reads from its environment, checked (DESIGN.md, "Config"). */
export interface GatewayConfig {
  /** PORT, default 4000; 0 picks a free port. */
  port: number;
  /** HOST, default 127.0.0.1. */
  host: string;
  /** DATA_DIR, default ./data, as an absolute path. */
  dataDir: string;
  /** NODE_ENV=production: no generated keys, no dev tenant. */
  production: boolean;
  /** GATEWAY_ADMIN_KEY (≥ 32 characters), or in dev the generated one. */
  adminKey: string;
  /** GATEWAY_MASTER_KEY (32 bytes), or in dev the generated one: seals the vault's managed keys. */
  masterKey: Uint8Array;
  /** Dev only: the API key of the dev tenant, from DATA_DIR/dev-keys.json. null in production. */
  devTenantApiKey: string | null;
  /** Dev only: the file holding generated keys (for the start-up message). null in production. */
  devKeysFile: string | null;
  /** Dev only: which keys this start generated (empty when all were reused or given). */
  generatedDevKeys: DevKeyName[];
  /** REFCHAIN_URL: a standalone refchain node; null runs one in-process. */
  refchainUrl: string | null;
  /** EVM_RPC_URLS, comma-separated; empty turns EVM off. */
  evmRpcUrls: string[];
  /** SOLANA_RPC_URL; null turns Solana off. */
  solanaRpcUrl: string | null;
  /** DATABASE_URL (PostgreSQL); null uses SQLite in DATA_DIR. */
  databaseUrl: string | null;
  /**
   * The PostgreSQL schema the store lives in: DATABASE_URL's `?schema=` parameter (taken out of
   * databaseUrl). null: the connection's current schema (usually public).
   */
  databaseSchema: string | null;
  /** REDIS_URL; null keeps pubsub, cache and rate limits in memory. */
  redisUrl: string | null;
  /**
   * REDIS_KEY_PREFIX, default "value-gateway": every Redis key and channel of this gateway starts
   * with it, so several gateways (or test runs) can share one Redis.
   */
  redisKeyPrefix: string;
  /** GATEWAY_RATE_LIMIT: requests per tenant per window ("600/1m", "50/1s"), or null when "off". */
  rateLimit: RateLimit | null;
  /** GATEWAY_EXPLORER=on|off: the GraphiQL explorer at GET / and GET /graphql. On in dev, off in production. */
  explorer: boolean;
  /** GATEWAY_MAX_*, GATEWAY_CORS_ORIGINS, GATEWAY_WS_INIT_TIMEOUT_MS: the GraphQL front's limits (limitsConfig.ts). */
  limits: GatewayLimits;
  /** GATEWAY_METRICS_TOKEN (≥ 32 characters): GET /metrics for a bearer of it; null (unset) turns /metrics off. */
  metricsToken: string | null;
  /** The environment it was loaded from, for adapters (AdapterContext.env). */
  env: Record<string, string | undefined>;
}

/** At most `points` GraphQL operations per tenant in each window of `windowSeconds`. */
export interface RateLimit {
  points: number;
  windowSeconds: number;
}

/** 6,000 operations per tenant per minute: generous for an app, a wall for a runaway loop. */
export const DEFAULT_RATE_LIMIT: RateLimit = { points: 6000, windowSeconds: 60 };

const GENERATE_ADMIN_KEY = "openssl rand -base64 32";
export const GENERATE_MASTER_KEY = "openssl rand -hex 32";

/**
 * Reads and checks the environment. Every invalid or missing value is reported at once, in one
 * ConfigError whose message names each variable and what to set it to. In production the admin and
 * master keys must be given; in dev the missing ones, and a dev tenant API key, are generated once
 * into DATA_DIR/dev-keys.json and reused on later starts (a value in the environment wins).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const problems: { variables: string[]; message: string }[] = [];
  const problem = (variable: string | string[], message: string) =>
    problems.push({ variables: typeof variable === "string" ? [variable] : variable, message });
  // An empty variable means unset: `FOO= npm start` and shells that export empty values.
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };

  const production = read("NODE_ENV")?.trim() === "production";

  let port = 4000;
  const portText = read("PORT")?.trim();
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      problem(
        "PORT",
        `PORT must be a whole number from 0 to 65535 (0 picks a free port); got "${portText}".`,
      );
    }
  }

  const host = read("HOST")?.trim() ?? "127.0.0.1";
  const dataDir = resolve(read("DATA_DIR") ?? "./data");

  const adminKeyText = read("GATEWAY_ADMIN_KEY");
  if (adminKeyText !== undefined && adminKeyText.length < 32) {
    problem(
      "GATEWAY_ADMIN_KEY",
      `GATEWAY_ADMIN_KEY must be at least 32 characters (it has ${adminKeyText.length}); ` +
        `generate one with: ${GENERATE_ADMIN_KEY}`,
    );
  }
  const masterKeyText = read("GATEWAY_MASTER_KEY")?.trim();
  if (masterKeyText !== undefined && !isMasterKeyHex(masterKeyText)) {
    problem(
      "GATEWAY_MASTER_KEY",
      `GATEWAY_MASTER_KEY must be 64 hex characters (32 bytes); generate one with: ${GENERATE_MASTER_KEY}`,
    );
  }

  const url = (name: string, protocols: readonly string[], example: string): string | null => {
    const value = read(name)?.trim();
    if (value === undefined) return null;
    // The value is not echoed: database and Redis URLs carry passwords.
    if (!isUrl(value, protocols))
      problem(name, `${name} must be a ${protocols.join(" or ")} URL, e.g. ${example}.`);
    return value;
  };
  const refchainUrl = url("REFCHAIN_URL", ["http", "https", "ws", "wss"], "http://127.0.0.1:8545");
  const solanaRpcUrl = url("SOLANA_RPC_URL", ["http", "https"], "http://127.0.0.1:8899");
  let databaseUrl = url("DATABASE_URL", ["postgres", "postgresql"], "postgres://user:password@host:5432/db");
  let databaseSchema: string | null = null;
  if (databaseUrl !== null && isUrl(databaseUrl, ["postgres", "postgresql"])) {
    const parsed = new URL(databaseUrl);
    databaseSchema = parsed.searchParams.get("schema");
    if (databaseSchema !== null) {
      parsed.searchParams.delete("schema");
      databaseUrl = parsed.toString();
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema))
        problem(
          "DATABASE_URL",
          "DATABASE_URL's ?schema= must be a lower-case identifier ([a-z_][a-z0-9_]*).",
        );
    }
    if (refchainUrl === null) {
      problem(
        ["DATABASE_URL", "REFCHAIN_URL"],
        "DATABASE_URL is set, so gateway replicas may share this database: they must also share one refchain. " +
          "Start a standalone node (value-gateway refchain start) and set REFCHAIN_URL to it, or unset DATABASE_URL " +
          "to keep the store in DATA_DIR beside the embedded refchain.",
      );
    }
  }
  const redisUrl = url("REDIS_URL", ["redis", "rediss"], "redis://127.0.0.1:6379");
  const redisKeyPrefix = read("REDIS_KEY_PREFIX")?.trim() ?? "value-gateway";
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisKeyPrefix)) {
    problem(
      "REDIS_KEY_PREFIX",
      `REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : _ . -; got "${redisKeyPrefix}".`,
    );
  }
  let rateLimit: RateLimit | null = DEFAULT_RATE_LIMIT;
  const rateLimitText = read("GATEWAY_RATE_LIMIT")?.trim().toLowerCase();
  if (rateLimitText !== undefined) {
    const parsedLimit = rateLimitText === "off" ? null : parseRateLimit(rateLimitText);
    if (parsedLimit === undefined) {
      problem(
        "GATEWAY_RATE_LIMIT",
        `GATEWAY_RATE_LIMIT must be <operations>/<window> with the window in s, m or h (e.g. 600/1m, 50/1s), or off; got "${rateLimitText}".`,
      );
    } else rateLimit = parsedLimit;
  }

  let explorer = !production;
  const explorerText = read("GATEWAY_EXPLORER")?.trim().toLowerCase();
  if (explorerText !== undefined) {
    if (explorerText === "on" || explorerText === "off") explorer = explorerText === "on";
    else problem("GATEWAY_EXPLORER", `GATEWAY_EXPLORER must be on or off; got "${explorerText}".`);
  }

  const metricsToken = read("GATEWAY_METRICS_TOKEN")?.trim() ?? null;
  if (metricsToken !== null && metricsToken.length < 32) {
    problem(
      "GATEWAY_METRICS_TOKEN",
      `GATEWAY_METRICS_TOKEN must be at least 32 characters (it has ${metricsToken.length}); ` +
        `generate one with: ${GENERATE_ADMIN_KEY}`,
    );
  }

  const limits = readLimits(read, problem);

  const evmRpcUrls = (read("EVM_RPC_URLS") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (evmRpcUrls.some((entry) => !isUrl(entry, ["http", "https", "ws", "wss"]))) {
    problem(
      "EVM_RPC_URLS",
      "EVM_RPC_URLS must be comma-separated http(s) or ws(s) URLs, e.g. http://127.0.0.1:8545,https://rpc.example.org.",
    );
  }

  if (production) {
    const missing: { variable: string; hint: string }[] = [];
    if (adminKeyText === undefined) {
      missing.push({
        variable: "GATEWAY_ADMIN_KEY",
        hint: `a secret of at least 32 characters; generate one with: ${GENERATE_ADMIN_KEY}`,
      });
    }
    if (masterKeyText === undefined) {
      missing.push({
        variable: "GATEWAY_MASTER_KEY",
        hint: `64 hex characters; generate one with: ${GENERATE_MASTER_KEY}`,
      });
    }
    if (missing.length > 0) {
      problem(
        missing.map((m) => m.variable),
        `NODE_ENV=production refuses generated dev keys: set ${missing.map((m) => `${m.variable} (${m.hint})`).join(" and ")}.`,
      );
    }
  }

  if (problems.length > 0) {
    const message =
      problems.length === 1
        ? (problems[0]?.message ?? "")
        : `The configuration has ${problems.length} problems:\n${problems.map((p) => `- ${p.message}`).join("\n")}`;
    throw new ConfigError(
      message,
      problems.flatMap((p) => p.variables),
    );
  }

  let adminKey = adminKeyText;
  let masterKeyHex = masterKeyText;
  let devTenantApiKey: string | null = null;
  let devKeysFile: string | null = null;
  let generatedDevKeys: DevKeyName[] = [];
  if (!production) {
    const wanted: DevKeyName[] = ["tenantApiKey"];
    if (adminKey === undefined) wanted.push("adminKey");
    if (masterKeyHex === undefined) wanted.push("masterKey");
    const dev = loadDevKeys(dataDir, wanted);
    adminKey ??= dev.keys.adminKey;
    masterKeyHex ??= dev.keys.masterKey;
    devTenantApiKey = dev.keys.tenantApiKey ?? null;
    devKeysFile = dev.path;
    generatedDevKeys = dev.generated;
  }
  // Both are set here: production refused their absence above, dev generated what was missing.
  if (adminKey === undefined || masterKeyHex === undefined) {
    throw new Error("unreachable: the admin and master keys are resolved");
  }

  return {
    port,
    host,
    dataDir,
    production,
    adminKey,
    masterKey: new Uint8Array(Buffer.from(masterKeyHex, "hex")),
    devTenantApiKey,
    devKeysFile,
    generatedDevKeys,
    refchainUrl,
    evmRpcUrls,
    solanaRpcUrl,
    databaseUrl,
    databaseSchema,
    redisUrl,
    redisKeyPrefix,
    rateLimit,
    explorer,
    limits,
    metricsToken,
    env,
  };
}

export function isMasterKeyHex(value: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(value);
}

function isUrl(value: string, protocols: readonly string[]): boolean {
  if (!URL.canParse(value)) return false;
  return protocols.includes(new URL(value).protocol.replace(/:$/, ""));
}

/** "600/1m" → 600 per 60 s; undefined when it is not that shape or a number is 0 or too large. */
function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^(\d{1,9})\s*\/\s*(\d{1,6})?\s*(s|m|h)$/.exec(text);
  if (!match) return undefined;
  const points = Number(match[1]);
  const windowSeconds = Number(match[2] ?? "1") * { s: 1, m: 60, h: 3600 }[match[3] as "s" | "m" | "h"];
  if (points < 1 || windowSeconds < 1 || windowSeconds > 86_400) return undefined;
  return { points, windowSeconds };
}
