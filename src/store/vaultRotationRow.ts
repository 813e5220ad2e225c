import type { VaultRotationTable } from "./database.ts";
import type { VaultRotationRecord } from "./store.ts";

/** The only id the vault_rotation table ever holds: its primary key is what makes a rotation one at a time. */
export const VAULT_ROTATION_ID = "master_key";

export const vaultRotationRow = (r: VaultRotationRecord): VaultRotationTable => ({
  id: VAULT_ROTATION_ID,
  from_key_check: r.fromKeyCheck,
  to_key_check: r.toKeyCheck,
  started_at: BigInt(r.startedAt.getTime()),
});

// better-sqlite3 reads blobs as Buffers; callers get the plain Uint8Array the contract names.
const bytes = (blob: Uint8Array): Uint8Array => new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);

export const vaultRotationRecord = (row: VaultRotationTable): VaultRotationRecord => ({
  fromKeyCheck: bytes(row.from_key_check),
  toKeyCheck: bytes(row.to_key_check),
  startedAt: new Date(Number(row.started_at)),
});
