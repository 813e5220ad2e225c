/**
 * `value-gateway vault rotate` cannot go on. The message says why and what to do. `keyId` names the
 * vault key at fault when there is one; `rotationRecorded` tells whether the store holds a rotation
 * under way (then the gateway will not start until the rotation is finished).
 */
export class MasterKeyRotationError extends Error {
  override readonly name = "MasterKeyRotationError";
  constructor(
    message: string,
    readonly rotationRecorded: boolean,
    readonly keyId: string | null = null,
  ) {
    super(message);
  }
}
