/** How the gateway reaches and follows EVM chains, from the environment. */
export interface EvmSettings {
  /** EVM_RPC_URLS: one JSON-RPC endpoint (http or https) per chain. */
  rpcUrls: string[];
  /** EVM_FINALITY_DEPTHS: confirmations to finality per numeric chain id. */
  finalityDepths: Map<number, number>;
  defaultFinalityDepth: number;
  /** EVM_POLL_INTERVAL_MS: how often a watcher looks for a new block once caught up. */
  pollIntervalMs: number;
}

/** Confirmations before a transfer counts as final where EVM_FINALITY_DEPTHS says nothing. */
export const DEFAULT_FINALITY_DEPTH = 12;
const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * Reads EVM_RPC_URLS (comma-separated), EVM_FINALITY_DEPTHS (`<chain>=<depth>` pairs, comma-separated,
 * the chain as `eip155:31337` or `31337`) and EVM_POLL_INTERVAL_MS; throws one message naming what
 * to fix.
 */
export function readEvmSettings(env: Readonly<Record<string, string | undefined>>): EvmSettings {
  const problems: string[] = [];
  const rpcUrls = (env.EVM_RPC_URLS ?? "")
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "");
  for (const url of rpcUrls) {
    let protocol = "";
    try {
      protocol = new URL(url).protocol;
    } catch {}
    if (protocol !== "http:" && protocol !== "https:") {
      problems.push(
        `EVM_RPC_URLS: "${url}" is not an http(s) URL of a JSON-RPC endpoint (e.g. http://127.0.0.1:8545).`,
      );
    }
  }
  if (new Set(rpcUrls).size !== rpcUrls.length) problems.push("EVM_RPC_URLS names the same URL twice.");

  const finalityDepths = new Map<number, number>();
  for (const pair of (env.EVM_FINALITY_DEPTHS ?? "").split(",").map((each) => each.trim())) {
    if (pair === "") continue;
    const match = /^(?:eip155:)?(\d{1,15})=(\d{1,4})$/.exec(pair);
    const depth = Number(match?.[2]);
    if (!match || depth < 1) {
      problems.push(
        `EVM_FINALITY_DEPTHS: "${pair}" is not <chain>=<confirmations ≥ 1>, e.g. eip155:31337=2 or 1=64.`,
      );
      continue;
    }
    finalityDepths.set(Number(match[1]), depth);
  }

  let pollIntervalMs = DEFAULT_POLL_INTERVAL_MS;
  const pollText = env.EVM_POLL_INTERVAL_MS?.trim();
  if (pollText) {
    pollIntervalMs = /^\d{1,6}$/.test(pollText) ? Number(pollText) : Number.NaN;
    if (!(pollIntervalMs >= 10)) {
      problems.push(`EVM_POLL_INTERVAL_MS is milliseconds, at least 10; got "${pollText}".`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { rpcUrls, finalityDepths, defaultFinalityDepth: DEFAULT_FINALITY_DEPTH, pollIntervalMs };
}
