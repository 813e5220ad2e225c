import { createEvmAdapters } from "./evm/createEvmAdapters.ts";
import { createRefchainAdapters } from "./refchain/adapter/createRefchainAdapters.ts";
import { createSolanaAdapters } from "./solana/createSolanaAdapters.ts";
import type { AdapterContext, ChainAdapter } from "./types.ts";

/**
 * Builds the adapters a configuration enables: none when the chain is not configured, several when
 * one setting names several chains (EVM_RPC_URLS). Throws a message saying what to fix when a
 * configured chain cannot be reached.
 */
export type AdapterFactory = (context: AdapterContext) => Promise<ChainAdapter[]>;

/** One line per chain. A new chain is one folder under adapters/ and one line here. */
export const adapterFactories: Readonly<Record<string, AdapterFactory>> = {
  refchain: createRefchainAdapters,
  evm: createEvmAdapters,
  solana: createSolanaAdapters,
};

/** Every adapter the configuration enables, across all chains; chain ids are unique. */
export async function openAdapters(context: AdapterContext): Promise<ChainAdapter[]> {
  const adapters: ChainAdapter[] = [];
  try {
    for (const create of Object.values(adapterFactories)) adapters.push(...(await create(context)));
  } catch (error) {
    await Promise.allSettled(adapters.map((adapter) => adapter.close()));
    throw error;
  }
  const ids = adapters.map((adapter) => adapter.description.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) {
    await Promise.allSettled(adapters.map((adapter) => adapter.close()));
    throw new Error(
      `Two configured chains report the same chain id ${duplicate}: configure each chain once.`,
    );
  }
  return adapters;
}
