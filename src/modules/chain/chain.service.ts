import type { AssetInfo, ChainAdapter, ChainHead } from "../../../adapters/types.ts";
import { BadUserInputError, ChainUnavailableError } from "../../errors/gatewayError.ts";

/** How old a cached chain head may be when a request reads it. */
const HEAD_MAX_AGE_MS = 1_000;

/** Whether a chain's tracker is following it: the gateway's view of chain health. */
export type ChainHealth = (chainId: string) => boolean;

/**
 * The configured chains, by CAIP-2 id. The one place a chain id from a request becomes an adapter:
 * unknown ids answer BAD_USER_INPUT naming the chains there are.
 */
export class ChainService {
  readonly #adapters: Map<string, ChainAdapter>;
  #health: ChainHealth = () => true;
  // The newest head of each chain and when it was learned: from a read, or from the tracker (of any
  // replica, through the event bus) applying a block.
  readonly #heads = new Map<string, { head: ChainHead; at: number }>();
  readonly #headReads = new Map<string, Promise<ChainHead>>();

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

  /**
   * The chain's head, read at most once per HEAD_MAX_AGE_MS per chain however many requests ask
   * (concurrent askers share one read). Safe to cache: a head is never wrong, only a little old, and
   * nothing decides a payment on it (balances and nonces are always read fresh). Only while the chain
   * is followed: an unhealthy chain is asked, so its outage shows.
   */
  async head(chainId: string): Promise<ChainHead> {
    const known = this.#heads.get(chainId);
    if (known !== undefined && Date.now() - known.at < HEAD_MAX_AGE_MS && this.healthy(chainId))
      return known.head;
    let read = this.#headReads.get(chainId);
    if (read === undefined) {
      read = this.adapterOf(chainId)
        .head()
        .then((head) => {
          this.noteHead(chainId, head);
          return head;
        })
        .finally(() => this.#headReads.delete(chainId));
      this.#headReads.set(chainId, read);
    }
    return read;
  }

  /** A head learned elsewhere (a tracker applied its block); an older one than known is ignored. */
  noteHead(chainId: string, head: ChainHead): void {
    const known = this.#heads.get(chainId);
    if (known !== undefined && known.head.height > head.height && Date.now() - known.at < HEAD_MAX_AGE_MS)
      return;
    this.#heads.set(chainId, { head, at: Date.now() });
  }

  /** The native asset of a chain (fees are paid in it). */
  nativeAsset(chainId: string): AssetInfo {
    return this.adapterOf(chainId).description.nativeAsset;
  }
}
