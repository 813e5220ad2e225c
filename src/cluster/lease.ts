/**
 * A named lease one replica at a time holds, with a fencing token: a number that grows with every
 * new holder. The holder passes its token with the writes the lease guards, so a store can refuse
 * a holder that lost the lease without knowing it (paused, cut off) — see StaleFenceError.
 */
export interface Lease {
  /**
   * Takes the lease when it is free (or extends it when it is already ours): the token of this
   * term. Otherwise what the holder last noted (`renew(note)`), for followers to show.
   */
  acquire(): Promise<{ fence: bigint } | { fence: null; holderNote: string | null }>;
  /** Extends our term and records `note` beside it; false when the lease is no longer ours. */
  renew(note: string): Promise<boolean>;
  /** Gives the lease up at once (a clean stop), so a follower need not wait for it to expire. */
  release(): Promise<void>;
}

/** The lease of a gateway that runs alone: always ours, token 0 (the store's default). */
export function soleReplicaLease(): Lease {
  return {
    acquire: async () => ({ fence: 0n }),
    renew: async () => true,
    release: async () => {},
  };
}
