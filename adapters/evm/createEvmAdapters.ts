import { createPublicClient, http, type PublicClient } from "viem";
import type { AdapterContext, ChainAdapter, ChainDescription } from "../types.ts";
import { AnvilFaucet } from "./anvilFaucet.ts";
import { EvmAdapter } from "./evmAdapter.ts";
import { readEvmSettings } from "./evmSettings.ts";

/** Native coins of well-known chains that are not ETH; every other chain's coin is called ETH. */
const NATIVE_SYMBOLS: Readonly<Record<number, string>> = {
  56: "BNB",
  100: "XDAI",
  137: "POL",
  43114: "AVAX",
};

/**
 * One EvmAdapter per URL in EVM_RPC_URLS (none when unset). Each chain's id is `eip155:<eth_chainId>`;
 * its finality depth comes from EVM_FINALITY_DEPTHS (default 12); anvil gets a faucet.
 */
export async function createEvmAdapters(context: AdapterContext): Promise<ChainAdapter[]> {
  const settings = readEvmSettings(context.env);
  const adapters: ChainAdapter[] = [];
  for (const url of settings.rpcUrls) {
    // Calls made in the same tick go out as one JSON-RPC batch: a page of balances is one round trip.
    const client: PublicClient = createPublicClient({
      transport: http(url, { batch: { batchSize: 1_000 }, retryCount: 1, retryDelay: 100, timeout: 10_000 }),
    });
    let chainId: number;
    let faucet: AnvilFaucet | null;
    try {
      chainId = await client.getChainId();
      faucet = await AnvilFaucet.detect(client);
    } catch (error) {
      throw new Error(
        `EVM_RPC_URLS: no EVM node answers at ${url} (${error instanceof Error ? error.message.split("\n")[0] : String(error)}). Start one (npm run anvil) or fix the URL.`,
        { cause: error },
      );
    }
    const id = `eip155:${chainId}`;
    const description: ChainDescription = {
      id,
      kind: "EVM",
      name: faucet ? `anvil (${id})` : `EVM chain ${chainId}`,
      nativeAsset: {
        id: `${id}/native`,
        chainId: id,
        kind: "NATIVE",
        symbol: NATIVE_SYMBOLS[chainId] ?? "ETH",
        decimals: 18,
        address: null,
      },
      capabilities: {
        faucet: faucet !== null,
        issueAsset: false,
        // The chain carries no memo: a native transfer's data would call a contract recipient.
        maxMemoBytes: 0,
        reorgs: true,
        finalityDepth: settings.finalityDepths.get(chainId) ?? settings.defaultFinalityDepth,
        minimumBalance: 0n,
      },
    };
    adapters.push(
      new EvmAdapter({ client, description, chainId, pollIntervalMs: settings.pollIntervalMs, faucet }),
    );
  }
  return adapters;
}
