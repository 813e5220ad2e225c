/**
 * The master key given at start-up does not open the keys already in the store. Starting anyway
 * would mint new keys under the wrong master key and leave every existing managed account unusable,
 * so the gateway refuses to start.
 */
export class MasterKeyMismatchError extends Error {
  override readonly name = "MasterKeyMismatchError";
  constructor() {
    super(
      "GATEWAY_MASTER_KEY does not open the keys stored in this gateway's store: start with the master key they were created under.",
    );
  }
}
