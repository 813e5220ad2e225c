/**
 * A managed key the vault cannot lend: no such key, or its sealed bytes do not open (altered, or
 * moved from another record). A fault of the stored data, never of the caller's input: it surfaces
 * as INTERNAL_SERVER_ERROR and is logged with `keyId`.
 */
export class VaultKeyError extends Error {
  override readonly name = "VaultKeyError";
  constructor(
    readonly keyId: string,
    message: string,
  ) {
    super(message);
  }
}
