/**
 * Mutual exclusion per sending address across replicas: while one replica signs and records
 * transactions from an address, no other replica signs for it, so nonces never collide and funds are
 * checked against every payment in flight. Keyed by chain and address, not account: two accounts
 * (a tenant's treasuries of several issued assets) can share one key and so one nonce sequence.
 */
export interface SendLocks {
  /**
   * Runs `send` holding the lock of `signer` (sendLockKey). `handedOver` is true when another replica
   * may have sent from it since this replica last held the lock: what this replica remembers about it
   * (next nonce, amounts in flight) must be read again.
   */
  run<T>(signer: string, send: (handedOver: boolean) => Promise<T>): Promise<T>;
}

/** The lock of one sending address on one chain. */
export const sendLockKey = (chainId: string, address: string) => `${chainId}/${address}`;

/** One gateway alone: the payment sender's per-account lanes already serialize, and nothing is handed over. */
export const soleReplicaSendLocks: SendLocks = {
  run: (_signer, send) => send(false),
};
