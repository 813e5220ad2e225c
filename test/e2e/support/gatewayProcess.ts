import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, where `value-gateway` commands run from. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The `value-gateway` command (run it with process.execPath). */
export const VALUE_GATEWAY_BIN = join(PROJECT_ROOT, "bin", "value-gateway.js");

// The gateway's own configuration variables (DESIGN.md, "Config"): never inherited from the shell
// that runs the tests, so a developer's REFCHAIN_URL or GATEWAY_ADMIN_KEY cannot leak into a test.
// NODE_ENV too: vitest sets it to "test", which changes how libraries behave (Apollo, for one, then
// leaves termination signals alone); the child runs as `npm start` does.
const GATEWAY_VARIABLES = [
  "PORT",
  "HOST",
  "DATA_DIR",
  "GATEWAY_ADMIN_KEY",
  "GATEWAY_MASTER_KEY",
  "REFCHAIN_URL",
  "REFCHAIN_BLOCK_TIME_MS",
  "EVM_RPC_URLS",
  "SOLANA_RPC_URL",
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_KEY_PREFIX",
  "GATEWAY_RATE_LIMIT",
  "GATEWAY_EXPLORER",
  "GATEWAY_METRICS_TOKEN",
  "GATEWAY_MAX_QUERY_DEPTH",
  "GATEWAY_MAX_QUERY_COST",
  "GATEWAY_MAX_QUERY_ALIASES",
  "GATEWAY_MAX_QUERY_DIRECTIVES",
  "GATEWAY_MAX_QUERY_TOKENS",
  "GATEWAY_MAX_BODY_BYTES",
  "GATEWAY_CORS_ORIGINS",
  "GATEWAY_WS_INIT_TIMEOUT_MS",
  "GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET",
  "GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT",
  "GATEWAY_NEW_MASTER_KEY",
  "VAULT_ROTATE_TEST_PAUSE_AFTER",
  "NODE_ENV",
  "LOG_LEVEL",
];

/** The environment of a `value-gateway` child process: this one's without the gateway's variables, plus `env`. */
export function commandEnv(env: Record<string, string>): Record<string, string | undefined> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of GATEWAY_VARIABLES) delete childEnv[name];
  return { ...childEnv, ...env };
}

// Bytes of output kept for failure messages: the end is what explains a crash.
const OUTPUT_TAIL = 20_000;

/** How the gateway process ended: an exit code, or the signal that ended it. */
export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartGatewayProcessParameters {
  /** DATA_DIR: reuse it to restart a gateway on the data a previous one left. */
  dataDir: string;
  /** Extra or overriding environment variables (defaults: PORT=0, REFCHAIN_BLOCK_TIME_MS=20, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /** How long to wait for the gateway to print its URL. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface GatewayProcess {
  pid: number;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  /** The admin key (dev mode: from DATA_DIR/dev-keys.json, the same on every start). */
  adminKey: string;
  /** The dev tenant's API key (dev mode). */
  devTenantApiKey: string;
  /** Sends `signal` (default SIGTERM) to the process; resolves like `exited`. */
  kill(signal?: NodeJS.Signals): Promise<GatewayExit>;
  /** Resolves when the process has ended. */
  exited: Promise<GatewayExit>;
  /** True until the process has ended. */
  running(): boolean;
  /** The end of what the process printed (stdout and stderr), for failure messages. */
  output(): string;
}

/**
 * Runs `value-gateway start` as a child process, the way an operator does, and resolves once it
 * prints its GraphQL URL. Unlike an in-process gateway it can be killed with SIGKILL, which is what
 * a crash test needs. Rejects (with the process's output) when it exits or stays silent too long.
 */
export async function startGatewayProcess(
  parameters: StartGatewayProcessParameters,
): Promise<GatewayProcess> {
  const { dataDir, readyTimeoutMs = 30_000 } = parameters;
  const env = commandEnv({
    PORT: "0",
    REFCHAIN_BLOCK_TIME_MS: "20",
    LOG_LEVEL: "warn",
    ...parameters.env,
    DATA_DIR: dataDir,
  });

  const child = spawn(process.execPath, [VALUE_GATEWAY_BIN, "start"], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (text: string) => {
    output = (output + text).slice(-OUTPUT_TAIL);
  };
  // What stdout printed until the URL line (searched for it); later output only goes to the tail.
  let stdout = "";
  let ready = false;
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    if (!ready) stdout += text;
    append(text);
  });
  child.stderr.setEncoding("utf8").on("data", append);

  let ended = false;
  const exited = new Promise<GatewayExit>((resolve) => {
    child.once("exit", (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
    // No process at all (spawn failed): there will be no "exit" event.
    child.once("error", (error) => {
      append(`\n${String(error)}\n`);
      if (child.pid !== undefined) return;
      ended = true;
      resolve({ code: null, signal: null });
    });
  });
  const kill = (signal: NodeJS.Signals = "SIGTERM") => {
    if (!ended) child.kill(signal);
    return exited;
  };

  const started = await new Promise<{ url: string; wsUrl: string } | string>((resolve) => {
    const check = () => {
      const url = stdout.match(/GraphQL \+ explorer:\s+(http\S+)/)?.[1];
      const wsUrl = stdout.match(/subscriptions:\s+(ws\S+)/)?.[1];
      if (url && wsUrl) finish({ url, wsUrl });
    };
    const finish = (result: { url: string; wsUrl: string } | string) => {
      ready = true;
      clearTimeout(timer);
      child.stdout.off("data", check);
      resolve(result);
    };
    const timer = setTimeout(() => finish(`printed no URL within ${readyTimeoutMs} ms`), readyTimeoutMs);
    child.stdout.on("data", check);
    void exited.then((exit) =>
      finish(`exited (code ${exit.code}, signal ${exit.signal}) before it was ready`),
    );
    check();
  });
  if (typeof started === "string") {
    await kill("SIGKILL");
    throw new Error(`value-gateway start on ${dataDir} ${started}. Its output:\n${output}`);
  }

  let keys: { adminKey?: string; tenantApiKey?: string };
  try {
    keys = JSON.parse(readFileSync(join(dataDir, "dev-keys.json"), "utf8")) as typeof keys;
  } catch (error) {
    await kill("SIGKILL");
    throw new Error(`the gateway on ${dataDir} runs, but its dev-keys.json cannot be read: ${String(error)}`);
  }
  const adminKey = parameters.env?.GATEWAY_ADMIN_KEY ?? keys.adminKey;
  const devTenantApiKey = keys.tenantApiKey;
  if (!adminKey || !devTenantApiKey) {
    await kill("SIGKILL");
    throw new Error(
      `${join(dataDir, "dev-keys.json")} lacks adminKey or tenantApiKey (is NODE_ENV=production?)`,
    );
  }

  return {
    pid: child.pid as number,
    url: started.url,
    wsUrl: started.wsUrl,
    adminKey,
    devTenantApiKey,
    kill,
    exited,
    running: () => !ended,
    output: () => output,
  };
}
