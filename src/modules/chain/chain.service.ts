import type { AssetInfo, ChainAdapter, ChainHead } from "../../../adapters/types.ts";
import { BadUserInputError, ChainUnavailableError } from "../../errors/gatewayError.ts";

/** Whether a chain's tracker is following it: the gateway's view of chain health. */
export type ChainHealth = (chainId: string) => boolean;

/**
 * The configured chains, by CAIP-2 id. The one place a chain id from a request becomes an adapter:
 * unknown ids answer BAD_USER_INPUT naming the chains there are.
 */
export class ChainService {
  readonly #adapters: Map<string, ChainAdapter>;
  #health: ChainHealth = () => true;

  constructor(adapters: readonly ChainAdapter[]) {
    this.#adapters = new Map(adapters.map((adapter) => [adapter.description.id, adapter]));
  }

  list(): ChainAdapter[] {
    return [...this.#adapters.values()];
  }

  find(chainId: string): ChainAdapter | undefined {
    return this.#adapters.get(chainId);
  }

  /** The adapter of a chain named in a request. */
  get(chainId: string): ChainAdapter {
    const adapter = this.#adapters.get(chainId);
    if (!adapter) {
      throw new BadUserInputError(
        `Unknown chain ${JSON.stringify(chainId)}: this gateway runs ${[...this.#adapters.keys()].join(", ") || "no chains"}.`,
        { field: "chainId" },
      );
    }
    return adapter;
  }

  /** The adapter of a chain the gateway already stored a reference to. */
  adapterOf(chainId: string): ChainAdapter {
    const adapter = this.#adapters.get(chainId);
    if (!adapter)
      throw new ChainUnavailableError(`Chain ${chainId} is not configured on this gateway right now.`);
    return adapter;
  }

  setHealth(health: ChainHealth): void {
    this.#health = health;
  }

  healthy(chainId: string): boolean {
    return this.#adapters.has(chainId) && this.#health(chainId);
  }

  async head(chainId: string): Promise<ChainHead> {
    return this.adapterOf(chainId).head();
  }

  /** The native asset of a chain (fees are paid in it). */
  nativeAsset(chainId: string): AssetInfo {
    return this.adapterOf(chainId).description.nativeAsset;
  }
}
