/**
 * The store records a master key rotation that has not finished: some managed keys may be sealed
 * under the old master key and the rest under the new one, so no single GATEWAY_MASTER_KEY opens
 * them all. The gateway refuses to start until the rotation is finished.
 */
export class VaultRotationInProgressError extends Error {
  override readonly name = "VaultRotationInProgressError";
  constructor(readonly startedAt: Date) {
    super(
      `A master key rotation started at ${startedAt.toISOString()} is not finished: some managed keys are sealed ` +
        "under the old master key and the others under the new one. Finish it by running `value-gateway vault rotate` " +
        "again with GATEWAY_MASTER_KEY set to the old key and GATEWAY_NEW_MASTER_KEY to the new one, " +
        "then start the gateway with GATEWAY_MASTER_KEY set to the new key.",
    );
  }
}
