import { type ControlledTransaction, sql } from "kysely";
import type { Database, PaymentsTable } from "../database.ts";
import {
  changedPayment,
  creationEvents,
  paymentEvent,
  requireIdentifiedIncoming,
  requireOutgoingWithKey,
} from "../paymentWriteSteps.ts";
import {
  accountRow,
  apiKeyRow,
  chainProgressRecord,
  chainProgressRow,
  paymentRecord,
  paymentRow,
  subnetRow,
  tenantRow,
  vaultKeyRow,
} from "../rowCodec.ts";
import { StaleFenceError } from "../staleFenceError.ts";
import type {
  AccountRecord,
  ApiKeyRecord,
  AuditEntryRecord,
  ChainClaim,
  ChainProgress,
  PaymentChange,
  PaymentEventRecord,
  PaymentRecord,
  RecordPaymentResult,
  SubnetRecord,
  TenantRecord,
  VaultKeyRecord,
  VaultRotationRecord,
} from "../store.ts";
import { vaultRotationRecord, vaultRotationRow } from "../vaultRotationRow.ts";
import { nothing, type WriteBody } from "./groupCommit.ts";
import { insertAuditEntry } from "./postgresCredentialWrites.ts";

// The store's writes, each the body of one atomic write (GroupCommit runs it in a transaction or a
// savepoint, and appends the events it logs). Uniqueness is decided by the database's indexes, never by a read before a write.

type Trx = ControlledTransaction<Database>;

// ON CONFLICT names a partial unique index by its columns and its predicate, and PostgreSQL matches
// the predicate at parse time: it must be a literal, not a bound parameter.
const isOutgoing = sql<boolean>`direction = ${sql.lit("OUTGOING")}`;
const isIncoming = sql<boolean>`direction = ${sql.lit("INCOMING")}`;

export const createTenant =
  (tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): WriteBody<void> =>
  async (trx) => {
    await trx.insertInto("tenants").values(tenantRow(tenant)).execute();
    await trx.insertInto("api_keys").values(apiKeyRow(apiKey)).execute();
    if (audit !== undefined) await insertAuditEntry(trx, audit);
    return nothing;
  };

export const createApiKey =
  (apiKey: ApiKeyRecord, audit?: AuditEntryRecord): WriteBody<void> =>
  async (trx) => {
    await trx.insertInto("api_keys").values(apiKeyRow(apiKey)).execute();
    if (audit !== undefined) await insertAuditEntry(trx, audit);
    return nothing;
  };

export const putVaultKey =
  (key: VaultKeyRecord): WriteBody<void> =>
  async (trx) => {
    await trx.insertInto("vault_keys").values(vaultKeyRow(key)).execute();
    return nothing;
  };

export const replaceVaultKeySealed =
  (id: string, expectedSealed: Uint8Array, sealed: Uint8Array): WriteBody<boolean> =>
  async (trx) => {
    // The WHERE on the old bytes is the compare-and-set: a row changed meanwhile is left alone.
    const result = await trx
      .updateTable("vault_keys")
      .set({ sealed })
      .where("id", "=", id)
      .where("sealed", "=", expectedSealed)
      .executeTakeFirst();
    const replaced = result.numUpdatedRows > 0n;
    return () => replaced;
  };

export const beginVaultRotation =
  (rotation: VaultRotationRecord): WriteBody<VaultRotationRecord> =>
  async (trx) => {
    // A concurrent first call makes this insert wait for it, then do nothing: the read sees its row.
    await trx
      .insertInto("vault_rotation")
      .values(vaultRotationRow(rotation))
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
    const row = await trx.selectFrom("vault_rotation").selectAll().executeTakeFirstOrThrow();
    const inForce = vaultRotationRecord(row);
    return () => inForce;
  };

export const endVaultRotation = (): WriteBody<void> => async (trx) => {
  await trx.deleteFrom("vault_rotation").execute();
  return nothing;
};

export const setOwnerKeyId =
  (tenantId: string, chainId: string, keyId: string): WriteBody<string> =>
  async (trx) => {
    // A concurrent first call makes this insert wait for it, then do nothing: the read sees its key.
    await trx
      .insertInto("owner_keys")
      .values({ tenant_id: tenantId, chain_id: chainId, key_id: keyId })
      .onConflict((oc) => oc.columns(["tenant_id", "chain_id"]).doNothing())
      .execute();
    const row = await trx
      .selectFrom("owner_keys")
      .select("key_id")
      .where("tenant_id", "=", tenantId)
      .where("chain_id", "=", chainId)
      .executeTakeFirst();
    if (row === undefined) {
      throw new Error(`The owner key of ${tenantId} on ${chainId} vanished while being set.`);
    }
    return () => row.key_id;
  };

export const createSubnet =
  (subnet: SubnetRecord): WriteBody<void> =>
  async (trx) => {
    await trx.insertInto("subnets").values(subnetRow(subnet)).execute();
    return nothing;
  };

export const createAccount =
  (account: AccountRecord): WriteBody<void> =>
  async (trx) => {
    await trx.insertInto("accounts").values(accountRow(account)).execute();
    return nothing;
  };

export const recordPayment =
  (payment: PaymentRecord): WriteBody<RecordPaymentResult> =>
  async (trx, log) => {
    const idempotencyKey = requireOutgoingWithKey(payment);
    // The unique index decides: a concurrent insert with the same key makes this one wait for it to
    // commit, then do nothing (READ COMMITTED), and the next statement reads the winner.
    const inserted = await trx
      .insertInto("payments")
      .values(paymentRow(payment))
      .onConflict((oc) => oc.columns(["tenant_id", "idempotency_key"]).where(isOutgoing).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted === undefined) {
      const row = await trx
        .selectFrom("payments")
        .selectAll()
        .where("tenant_id", "=", payment.tenantId)
        .where("idempotency_key", "=", idempotencyKey)
        .where("direction", "=", "OUTGOING")
        .executeTakeFirst();
      if (row === undefined) {
        throw new Error(`Payment ${payment.id} was neither recorded nor found by its key.`);
      }
      const existing = paymentRecord(row);
      return () => ({ created: false, payment: existing });
    }
    log.push(...creationEvents(payment));
    return (appended) => ({ created: true, payment, event: appended[0] as PaymentEventRecord });
  };

export const recordIncomingPayments =
  (payments: readonly PaymentRecord[]): WriteBody<PaymentEventRecord[]> =>
  async (trx, log) => {
    for (const payment of payments) {
      requireIdentifiedIncoming(payment);
      const inserted = await trx
        .insertInto("payments")
        .values(paymentRow(payment))
        .onConflict((oc) =>
          oc.columns(["account_id", "chain_id", "tx_hash", "transfer_index"]).where(isIncoming).doNothing(),
        )
        .returning("id")
        .executeTakeFirst();
      if (inserted !== undefined) log.push(paymentEvent("RECEIVED", { ...payment }, payment.createdAt));
    }
    return (appended) => [...appended];
  };

export const applyPaymentChanges =
  (changes: readonly PaymentChange[], progress?: ChainProgress): WriteBody<PaymentEventRecord[]> =>
  async (trx, log) => {
    // The fence first: a writer that lost its lease is refused before it locks a payment (and the
    // savepoint or transaction GroupCommit runs this in would undo them anyway).
    if (progress !== undefined) await upsertChainProgress(trx, progress);
    for (const change of changes) {
      // FOR UPDATE: a concurrent change to the same payment waits, so neither patch is lost.
      const row = await trx
        .selectFrom("payments")
        .selectAll()
        .where("id", "=", change.paymentId)
        .forUpdate()
        .executeTakeFirst();
      const payment = changedPayment(row === undefined ? undefined : paymentRecord(row), change);
      await trx
        .updateTable("payments")
        .set(patchableColumns(paymentRow(payment)))
        .where("id", "=", payment.id)
        .execute();
      if (change.eventType !== null) log.push(paymentEvent(change.eventType, payment, change.at));
    }
    return (appended) => [...appended];
  };

export const setChainProgress =
  (progress: ChainProgress): WriteBody<void> =>
  async (trx) => {
    await upsertChainProgress(trx, progress);
    return nothing;
  };

export const claimChainProgress =
  (chainId: string, atLeast: bigint): WriteBody<ChainClaim> =>
  async (trx) => {
    // One statement: the UPDATE locks the row, so a concurrent progress write waits for this claim to
    // commit and is then judged (ON CONFLICT … WHERE re-reads the row) by the new fence; one that
    // committed first is read here, so fence + 1 is computed from the latest token.
    const row = await trx
      .updateTable("chain_progress")
      .set((eb) => ({ fence: sql<bigint>`GREATEST(${eb.ref("fence")} + 1, ${atLeast}::bigint)` }))
      .where("chain_id", "=", chainId)
      .returningAll()
      .executeTakeFirst();
    const claim: ChainClaim =
      row === undefined
        ? { fence: atLeast, progress: null }
        : { fence: row.fence, progress: chainProgressRecord(row) };
    return () => claim;
  };

/**
 * Writes the chain's progress unless a newer lease holder (a greater fence) wrote it: then throws
 * StaleFenceError, and GroupCommit rolls this write back to its savepoint (or its transaction).
 */
async function upsertChainProgress(trx: Trx, progress: ChainProgress): Promise<void> {
  const row = chainProgressRow(progress);
  // Under READ COMMITTED the WHERE is checked against the latest committed row, which ON CONFLICT
  // locks even when the WHERE fails: a concurrent tracker's write is waited for, never overtaken.
  const written = await trx
    .insertInto("chain_progress")
    .values(row)
    .onConflict((oc) =>
      oc
        .column("chain_id")
        .doUpdateSet((eb) => ({
          height: eb.ref("excluded.height"),
          hash: eb.ref("excluded.hash"),
          fence: eb.ref("excluded.fence"),
        }))
        .where((eb) => eb("chain_progress.fence", "<=", eb.ref("excluded.fence"))),
    )
    .returning("chain_id")
    .executeTakeFirst();
  if (written !== undefined) return;
  const stored = await trx
    .selectFrom("chain_progress")
    .select("fence")
    .where("chain_id", "=", row.chain_id)
    .executeTakeFirstOrThrow();
  throw new StaleFenceError({ chainId: row.chain_id, fence: row.fence, storedFence: stored.fence });
}

/** What a PaymentChange may patch, plus updated_at. */
function patchableColumns(row: PaymentsTable) {
  return {
    status: row.status,
    tx_hash: row.tx_hash,
    raw_transaction: row.raw_transaction,
    nonce: row.nonce,
    valid_until_height: row.valid_until_height,
    block_height: row.block_height,
    block_hash: row.block_hash,
    confirmations: row.confirmations,
    fee: row.fee,
    error_code: row.error_code,
    error_message: row.error_message,
    updated_at: row.updated_at,
  } satisfies Partial<PaymentsTable>;
}
