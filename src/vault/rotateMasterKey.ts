import type { Store, VaultKeyRecord, VaultRotationRecord } from "../store/store.ts";
import { isMasterKeyCheckOf, sealMasterKeyCheck } from "./masterKeyCheck.ts";
import { MasterKeyRotationError } from "./masterKeyRotationError.ts";
import { openBox, sealBox } from "./sealedBox.ts";
import { vaultKeyAad } from "./vault.ts";

/** What a rotation needs from the store. */
export type RotationStore = Pick<
  Store,
  | "anyVaultKey"
  | "getVaultKey"
  | "listVaultKeys"
  | "replaceVaultKeySealed"
  | "getVaultRotation"
  | "beginVaultRotation"
  | "endVaultRotation"
>;

export interface RotationProgress {
  /** Keys this run sealed under the new master key. */
  reencrypted: number;
  /** Keys this run found under the new master key already (a previous, interrupted run did them). */
  alreadyRotated: number;
}

export interface RotationOutcome extends RotationProgress {
  /**
   * finished: every key is under the new master key and the rotation record is gone. interrupted:
   * `signal` stopped it between two batches (each key is under exactly one of the two master keys,
   * the record stays). empty: the vault has no keys, nothing was written.
   */
  status: "finished" | "interrupted" | "empty";
  /** When the rotation this run continued had started; null when this run started it. */
  resumedFrom: Date | null;
}

export interface RotateMasterKeyOptions {
  store: RotationStore;
  /** The master key the keys are sealed under now (GATEWAY_MASTER_KEY). */
  currentKey: Uint8Array;
  /** The master key to seal them under (GATEWAY_NEW_MASTER_KEY). */
  newKey: Uint8Array;
  /** Keys read, and re-encrypted together, per batch. Default 500. */
  batchSize?: number;
  /** Called after each batch is durable; the rotation waits for what it returns. */
  afterBatch?: (progress: RotationProgress) => void | Promise<void>;
  /** Stops the rotation before the next batch (Ctrl-C): it is left recorded, to be run again. */
  signal?: AbortSignal;
}

// A compare-and-set that fails means another rotator changed the row first, which it does once: a
// key still contended after this many rounds is not being rotated by a rotator like this one.
const MAX_ROUNDS_PER_KEY = 5;

/**
 * Re-encrypts every vault key from `currentKey` to `newKey`, one row at a time, so that at every
 * instant each key is sealed under exactly one of the two (AES-GCM's tag tells which).
 *
 * Before the first key changes, the store records the rotation with a check of each master key;
 * while it is recorded the gateway refuses to start (Vault.open), and it is removed only once every
 * key is under the new master key. A crash or interrupt at any point therefore loses nothing, and
 * running the rotation again with the same two keys continues it: a key the new key already opens
 * is skipped. Running it with the two keys swapped turns back, toward the old key. Other keys are
 * refused while a rotation is recorded: a third master key would leave keys under three.
 *
 * Gateways must be stopped: a running one keeps the old master key, cannot open the keys already
 * re-encrypted, and would seal the keys it creates under the old key.
 */
export async function rotateMasterKey(options: RotateMasterKeyOptions): Promise<RotationOutcome> {
  const { store, currentKey, newKey, signal } = options;
  const batchSize = options.batchSize ?? 500;
  if (currentKey.length !== 32 || newKey.length !== 32) {
    throw new RangeError("master keys are 32 bytes");
  }
  if (Buffer.from(currentKey).equals(Buffer.from(newKey))) {
    throw new MasterKeyRotationError(
      "GATEWAY_NEW_MASTER_KEY is the same as GATEWAY_MASTER_KEY: set GATEWAY_NEW_MASTER_KEY to a new key (openssl rand -hex 32).",
      false,
    );
  }

  const recorded = await store.getVaultRotation();
  let resumedFrom: Date | null = null;
  if (recorded !== null) {
    requireSameKeys(recorded, currentKey, newKey);
    resumedFrom = recorded.startedAt;
  } else {
    const probe = await store.anyVaultKey();
    if (probe === null) return { status: "empty", reencrypted: 0, alreadyRotated: 0, resumedFrom };
    const aad = vaultKeyAad(probe.id, probe.scheme);
    if (!opens(currentKey, probe.sealed, aad) && !opens(newKey, probe.sealed, aad)) {
      throw new MasterKeyRotationError(
        `GATEWAY_MASTER_KEY does not open the stored vault key ${probe.id} (nor does GATEWAY_NEW_MASTER_KEY): ` +
          "set GATEWAY_MASTER_KEY to the master key the gateway runs with. Nothing was changed.",
        false,
        probe.id,
      );
    }
    const inForce = await store.beginVaultRotation({
      fromKeyCheck: sealMasterKeyCheck(currentKey),
      toKeyCheck: sealMasterKeyCheck(newKey),
      startedAt: new Date(),
    });
    // Another rotator may have recorded its own a moment earlier: its keys are the ones to use.
    requireSameKeys(inForce, currentKey, newKey);
  }

  const progress: RotationProgress = { reencrypted: 0, alreadyRotated: 0 };
  // Ids only grow (monotonic ULIDs), so a key created while this runs sorts after those it has read
  // and is met before the last, empty, page.
  let after: string | null = null;
  for (;;) {
    if (signal?.aborted) return { status: "interrupted", ...progress, resumedFrom };
    const batch = await store.listVaultKeys(after, batchSize);
    if (batch.length === 0) break;
    // One batch's writes are issued together: the store commits them in few transactions, and each
    // write is still a single-row compare-and-set, atomic on its own.
    const results = await Promise.allSettled(batch.map((key) => rotateKey(store, key, currentKey, newKey)));
    for (const result of results) {
      if (result.status === "fulfilled") progress[result.value]++;
    }
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    after = (batch[batch.length - 1] as VaultKeyRecord).id;
    await options.afterBatch?.({ ...progress });
  }
  await store.endVaultRotation();
  return { status: "finished", ...progress, resumedFrom };
}

/** Moves one key to `newKey` unless it is there already; says which it did. */
async function rotateKey(
  store: RotationStore,
  key: VaultKeyRecord,
  currentKey: Uint8Array,
  newKey: Uint8Array,
): Promise<keyof RotationProgress> {
  let record = key;
  for (let round = 0; round < MAX_ROUNDS_PER_KEY; round++) {
    const aad = vaultKeyAad(record.id, record.scheme);
    if (opens(newKey, record.sealed, aad)) return "alreadyRotated";
    const secret = openBox(currentKey, record.sealed, aad);
    if (secret === null) {
      throw new MasterKeyRotationError(
        `The vault key ${record.id} opens under neither GATEWAY_MASTER_KEY nor GATEWAY_NEW_MASTER_KEY: its sealed ` +
          "bytes were altered, or it was sealed under another master key. The rotation stopped there and stays " +
          "recorded (every other key is under one of the two master keys); restore that key's row from a backup, " +
          "then run `value-gateway vault rotate` again with the same two variables.",
        true,
        record.id,
      );
    }
    let replaced: boolean;
    try {
      replaced = await store.replaceVaultKeySealed(record.id, record.sealed, sealBox(newKey, secret, aad));
    } finally {
      secret.fill(0);
    }
    if (replaced) return "reencrypted";
    // Changed since it was read (another rotator): judge it again as it is now.
    const current = await store.getVaultKey(record.id);
    if (current === null) throw new Error(`The vault key ${record.id} vanished during the rotation.`);
    record = current;
  }
  throw new MasterKeyRotationError(
    `The vault key ${record.id} kept changing while being re-encrypted: is another program writing the vault? ` +
      "Stop it, then run `value-gateway vault rotate` again with the same two variables.",
    true,
    record.id,
  );
}

/** The recorded rotation is between these two keys, in either direction; else refuse. */
function requireSameKeys(rotation: VaultRotationRecord, currentKey: Uint8Array, newKey: Uint8Array): void {
  const forward =
    isMasterKeyCheckOf(currentKey, rotation.fromKeyCheck) && isMasterKeyCheckOf(newKey, rotation.toKeyCheck);
  const backward =
    isMasterKeyCheckOf(currentKey, rotation.toKeyCheck) && isMasterKeyCheckOf(newKey, rotation.fromKeyCheck);
  if (forward || backward) return;
  throw new MasterKeyRotationError(
    `A master key rotation started at ${rotation.startedAt.toISOString()} with other keys is not finished. ` +
      "Run `value-gateway vault rotate` with the GATEWAY_MASTER_KEY and GATEWAY_NEW_MASTER_KEY it was started with " +
      "(or the two swapped, to turn back to the old key). Nothing was changed.",
    true,
  );
}

function opens(masterKey: Uint8Array, sealed: Uint8Array, aad: Uint8Array): boolean {
  const opened = openBox(masterKey, sealed, aad);
  opened?.fill(0);
  return opened !== null;
}
