import type { AdapterContext, ChainAdapter, ChainDescription } from "../types.ts";
import { readSolanaSettings } from "./solanaSettings.ts";

/** Mainnet-beta's genesis: the one cluster whose endpoints never airdrop. */
const MAINNET_GENESIS = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d";

/**
 * The Solana adapter for SOLANA_RPC_URL (none when unset). The chain id is `solana:` and the first 32
 * characters of the cluster's genesis hash (CAIP-2); the faucet (requestAirdrop) is offered off mainnet.
 */
export async function createSolanaAdapters(context: AdapterContext): Promise<ChainAdapter[]> {
  const settings = readSolanaSettings(context.env);
  if (settings.rpcUrl === null) return [];
  // Loaded only when Solana is configured: @solana/spl-token pulls in bigint-buffer, which warns on
  // stderr at load when its native binding is not built (it is not: the pure-JS path is used), and
  // a gateway or CLI without Solana should neither pay for the modules nor print that.
  const [{ Connection }, { SolanaAdapter }] = await Promise.all([
    import("@solana/web3.js"),
    import("./solanaAdapter.ts"),
  ]);
  const connection = new Connection(settings.rpcUrl, {
    commitment: "confirmed",
    disableRetryOnRateLimit: true,
    ...(settings.wsUrl === null ? {} : { wsEndpoint: settings.wsUrl }),
  });
  let genesis: string;
  let minimumBalance: number;
  try {
    [genesis, minimumBalance] = await Promise.all([
      connection.getGenesisHash(),
      connection.getMinimumBalanceForRentExemption(0),
    ]);
  } catch (error) {
    throw new Error(
      `SOLANA_RPC_URL: no Solana endpoint answers at ${settings.rpcUrl} (${error instanceof Error ? error.message.split("\n")[0] : String(error)}). Start one (npm run solana:local) or fix the URL.`,
      { cause: error },
    );
  }
  const id = `solana:${genesis.slice(0, 32)}`;
  const description: ChainDescription = {
    id,
    kind: "SOLANA",
    name: genesis === MAINNET_GENESIS ? "Solana mainnet-beta" : `Solana (${id})`,
    nativeAsset: {
      id: `${id}/native`,
      chainId: id,
      kind: "NATIVE",
      symbol: "SOL",
      decimals: 9,
      address: null,
    },
    capabilities: {
      faucet: genesis !== MAINNET_GENESIS,
      issueAsset: false,
      // The Memo program's text rides in the transaction (1,232 bytes in all).
      maxMemoBytes: 256,
      // The watch follows confirmed blocks, which a cluster does not roll back.
      reorgs: false,
      finalityDepth: settings.finalityDepth,
      // A plain account must hold its rent-exempt minimum (or nothing).
      minimumBalance: BigInt(minimumBalance),
    },
  };
  return [new SolanaAdapter({ connection, description, pollIntervalMs: settings.pollIntervalMs })];
}
