/** How the gateway reaches and follows a Solana cluster, from the environment. */
export interface SolanaSettings {
  /** SOLANA_RPC_URL: the JSON-RPC endpoint (http or https); null turns Solana off. */
  rpcUrl: string | null;
  /** SOLANA_WS_URL: the PubSub endpoint; default the RPC URL's port + 1 as validators serve it (web3.js's own rule). */
  wsUrl: string | null;
  /** SOLANA_FINALITY_DEPTH: confirmed blocks after which a payment counts as FINALIZED (a cluster finalizes 32 deep). */
  finalityDepth: number;
  /** SOLANA_POLL_INTERVAL_MS: how often the watcher looks for a new confirmed block once caught up. */
  pollIntervalMs: number;
}

export const DEFAULT_SOLANA_FINALITY_DEPTH = 32;
const DEFAULT_POLL_INTERVAL_MS = 400;

/** Reads SOLANA_RPC_URL, SOLANA_WS_URL, SOLANA_FINALITY_DEPTH and SOLANA_POLL_INTERVAL_MS; throws one message naming what to fix. */
export function readSolanaSettings(env: Readonly<Record<string, string | undefined>>): SolanaSettings {
  const problems: string[] = [];
  const url = (name: string, protocols: string[]) => {
    const text = env[name]?.trim();
    if (!text) return null;
    let protocol = "";
    try {
      protocol = new URL(text).protocol;
    } catch {}
    if (!protocols.includes(protocol)) {
      problems.push(`${name}: "${text}" is not a ${protocols.map((p) => p.slice(0, -1)).join("/")} URL.`);
    }
    return text;
  };
  const rpcUrl = url("SOLANA_RPC_URL", ["http:", "https:"]);
  const wsUrl = url("SOLANA_WS_URL", ["ws:", "wss:"]);
  if (wsUrl !== null && rpcUrl === null) problems.push("SOLANA_WS_URL is set without SOLANA_RPC_URL.");
  const whole = (name: string, fallback: number, min: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min)) problems.push(`${name} is a whole number, at least ${min}; got "${text}".`);
    return value;
  };
  const finalityDepth = whole("SOLANA_FINALITY_DEPTH", DEFAULT_SOLANA_FINALITY_DEPTH, 1);
  const pollIntervalMs = whole("SOLANA_POLL_INTERVAL_MS", DEFAULT_POLL_INTERVAL_MS, 10);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { rpcUrl, wsUrl, finalityDepth, pollIntervalMs };
}
