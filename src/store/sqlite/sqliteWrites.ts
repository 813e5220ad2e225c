import type BetterSqlite3 from "better-sqlite3";
import type {
  AccountsTable,
  ApiKeysTable,
  ChainProgressTable,
  PaymentEventsTable,
  PaymentsTable,
  SubnetsTable,
  TenantsTable,
  VaultKeysTable,
  VaultRotationTable,
} from "../database.ts";
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
  paymentEventRow,
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
  NewPaymentEvent,
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
import { SqliteCredentialWrites } from "./sqliteCredentialWrites.ts";

// Listing columns as a record keyed by the table type makes the compiler check the list is complete.
const columnsOf = <T>(columns: Record<keyof T, true>): string[] => Object.keys(columns);
const insertSql = (table: string, columns: string[], tail = ""): string =>
  `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")}) ${tail}`;

const TENANT_COLUMNS = columnsOf<TenantsTable>({ id: true, name: true, created_at: true });
const API_KEY_COLUMNS = columnsOf<ApiKeysTable>({
  id: true,
  tenant_id: true,
  label: true,
  secret_hash: true,
  created_at: true,
  last_used_at: true,
  revoked_at: true,
});
const VAULT_KEY_COLUMNS = columnsOf<VaultKeysTable>({
  id: true,
  scheme: true,
  public_key: true,
  sealed: true,
  created_at: true,
});
const ASSET_COLUMNS = {
  asset_id: true,
  asset_chain_id: true,
  asset_kind: true,
  asset_symbol: true,
  asset_decimals: true,
  asset_address: true,
} as const;
const SUBNET_COLUMNS = columnsOf<SubnetsTable>({
  id: true,
  tenant_id: true,
  name: true,
  chain_id: true,
  ...ASSET_COLUMNS,
  created_at: true,
});
const ACCOUNT_COLUMNS = columnsOf<AccountsTable>({
  id: true,
  tenant_id: true,
  subnet_id: true,
  chain_id: true,
  address: true,
  label: true,
  custody: true,
  key_id: true,
  created_at: true,
});
/** What a PaymentChange may patch, plus updated_at. */
const PATCHABLE_PAYMENT_COLUMNS = {
  status: true,
  tx_hash: true,
  raw_transaction: true,
  nonce: true,
  valid_until_height: true,
  block_height: true,
  block_hash: true,
  confirmations: true,
  fee: true,
  error_code: true,
  error_message: true,
  updated_at: true,
} as const satisfies Partial<Record<keyof PaymentsTable, true>>;
const PAYMENT_COLUMNS = columnsOf<PaymentsTable>({
  id: true,
  tenant_id: true,
  direction: true,
  account_id: true,
  subnet_id: true,
  chain_id: true,
  ...ASSET_COLUMNS,
  amount: true,
  from_address: true,
  to_address: true,
  to_account_id: true,
  memo: true,
  transfer_index: true,
  idempotency_key: true,
  input_hash: true,
  created_at: true,
  ...PATCHABLE_PAYMENT_COLUMNS,
});
const EVENT_COLUMNS = columnsOf<Omit<PaymentEventsTable, "cursor">>({
  tenant_id: true,
  payment_id: true,
  account_id: true,
  subnet_id: true,
  type: true,
  payment: true,
  at: true,
});

/**
 * The store's writes as synchronous better-sqlite3 statements, prepared once. They run inside a
 * GroupCommit batch (which owns the transaction and a savepoint per call), so a method that throws
 * leaves nothing behind, and each method is atomic on its own.
 */
export class SqliteWrites {
  readonly #insertTenant: BetterSqlite3.Statement;
  readonly #insertApiKey: BetterSqlite3.Statement;
  readonly #insertVaultKey: BetterSqlite3.Statement;
  readonly #replaceVaultKeySealed: BetterSqlite3.Statement;
  readonly #insertVaultRotation: BetterSqlite3.Statement;
  readonly #selectVaultRotation: BetterSqlite3.Statement<[], VaultRotationTable>;
  readonly #deleteVaultRotation: BetterSqlite3.Statement;
  readonly #insertOwnerKey: BetterSqlite3.Statement;
  readonly #selectOwnerKey: BetterSqlite3.Statement<[string, string], { key_id: string }>;
  readonly #insertSubnet: BetterSqlite3.Statement;
  readonly #insertAccount: BetterSqlite3.Statement;
  readonly #insertOutgoing: BetterSqlite3.Statement;
  readonly #insertIncoming: BetterSqlite3.Statement;
  readonly #selectPayment: BetterSqlite3.Statement<[string], PaymentsTable>;
  readonly #selectPaymentByKey: BetterSqlite3.Statement<[string, string], PaymentsTable>;
  readonly #updatePayment: BetterSqlite3.Statement;
  readonly #insertEvent: BetterSqlite3.Statement;
  readonly #upsertProgress: BetterSqlite3.Statement;
  readonly #selectFence: BetterSqlite3.Statement<[string], { fence: bigint }>;
  readonly #raiseFence: BetterSqlite3.Statement<[{ chain_id: string; at_least: bigint }], ChainProgressTable>;
  readonly #credentials: SqliteCredentialWrites;

  /** Events appended in the open batch, in cursor order: the group commit's journal drains it. */
  readonly appended: PaymentEventRecord[] = [];

  constructor(db: BetterSqlite3.Database) {
    this.#insertTenant = db.prepare(insertSql("tenants", TENANT_COLUMNS));
    this.#credentials = new SqliteCredentialWrites(db);
    this.#insertApiKey = db.prepare(insertSql("api_keys", API_KEY_COLUMNS));
    this.#insertVaultKey = db.prepare(insertSql("vault_keys", VAULT_KEY_COLUMNS));
    // The WHERE on the old bytes is the compare-and-set: a row changed meanwhile is left alone.
    this.#replaceVaultKeySealed = db.prepare(
      "UPDATE vault_keys SET sealed = @sealed WHERE id = @id AND sealed = @expected",
    );
    this.#insertVaultRotation = db.prepare(
      "INSERT INTO vault_rotation (id, from_key_check, to_key_check, started_at) " +
        "VALUES (@id, @from_key_check, @to_key_check, @started_at) ON CONFLICT (id) DO NOTHING",
    );
    this.#selectVaultRotation = db.prepare("SELECT * FROM vault_rotation");
    this.#deleteVaultRotation = db.prepare("DELETE FROM vault_rotation");
    this.#insertOwnerKey = db.prepare(
      "INSERT INTO owner_keys (tenant_id, chain_id, key_id) VALUES (?, ?, ?) ON CONFLICT (tenant_id, chain_id) DO NOTHING",
    );
    this.#selectOwnerKey = db.prepare("SELECT key_id FROM owner_keys WHERE tenant_id = ? AND chain_id = ?");
    this.#insertSubnet = db.prepare(insertSql("subnets", SUBNET_COLUMNS));
    this.#insertAccount = db.prepare(insertSql("accounts", ACCOUNT_COLUMNS));
    // The conflict targets name the partial unique indexes (their WHERE included): a clash on
    // anything else, such as a reused id, still fails loudly.
    this.#insertOutgoing = db.prepare(
      insertSql(
        "payments",
        PAYMENT_COLUMNS,
        "ON CONFLICT (tenant_id, idempotency_key) WHERE direction = 'OUTGOING' DO NOTHING",
      ),
    );
    this.#insertIncoming = db.prepare(
      insertSql(
        "payments",
        PAYMENT_COLUMNS,
        "ON CONFLICT (account_id, chain_id, tx_hash, transfer_index) WHERE direction = 'INCOMING' DO NOTHING",
      ),
    );
    this.#selectPayment = db.prepare("SELECT * FROM payments WHERE id = ?");
    this.#selectPaymentByKey = db.prepare(
      "SELECT * FROM payments WHERE tenant_id = ? AND idempotency_key = ? AND direction = 'OUTGOING'",
    );
    this.#updatePayment = db.prepare(
      `UPDATE payments SET ${Object.keys(PATCHABLE_PAYMENT_COLUMNS)
        .map((c) => `${c} = @${c}`)
        .join(", ")} WHERE id = @id`,
    );
    this.#insertEvent = db.prepare(insertSql("payment_events", EVENT_COLUMNS));
    // The WHERE is the fence: a row written by a newer lease holder is left alone (no change counted).
    this.#upsertProgress = db.prepare(
      "INSERT INTO chain_progress (chain_id, height, hash, fence) VALUES (@chain_id, @height, @hash, @fence) " +
        "ON CONFLICT (chain_id) DO UPDATE SET height = excluded.height, hash = excluded.hash, fence = excluded.fence " +
        "WHERE chain_progress.fence <= excluded.fence",
    );
    this.#selectFence = db.prepare("SELECT fence FROM chain_progress WHERE chain_id = ?");
    // max() of two integers stays an integer, so the fence stays exact past 2^53.
    this.#raiseFence = db.prepare(
      "UPDATE chain_progress SET fence = max(fence + 1, @at_least) WHERE chain_id = @chain_id RETURNING *",
    );
  }

  createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): void {
    this.#insertTenant.run(tenantRow(tenant));
    this.#insertApiKey.run(apiKeyRow(apiKey));
    if (audit !== undefined) this.#credentials.appendAuditEntry(audit);
  }

  createApiKey(apiKey: ApiKeyRecord, audit?: AuditEntryRecord): void {
    this.#insertApiKey.run(apiKeyRow(apiKey));
    if (audit !== undefined) this.#credentials.appendAuditEntry(audit);
  }

  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): ApiKeyRecord | null {
    return this.#credentials.revokeApiKey(id, at, audit);
  }

  recordApiKeyUse(id: string, at: Date): void {
    this.#credentials.recordApiKeyUse(id, at);
  }

  appendAuditEntry(entry: AuditEntryRecord): void {
    this.#credentials.appendAuditEntry(entry);
  }

  putVaultKey(key: VaultKeyRecord): void {
    this.#insertVaultKey.run(vaultKeyRow(key));
  }

  replaceVaultKeySealed(id: string, expectedSealed: Uint8Array, sealed: Uint8Array): boolean {
    return this.#replaceVaultKeySealed.run({ id, expected: expectedSealed, sealed }).changes > 0;
  }

  beginVaultRotation(rotation: VaultRotationRecord): VaultRotationRecord {
    this.#insertVaultRotation.run(vaultRotationRow(rotation));
    const row = this.#selectVaultRotation.get();
    if (row === undefined) throw new Error("The vault rotation vanished while being recorded.");
    return vaultRotationRecord(row);
  }

  endVaultRotation(): void {
    this.#deleteVaultRotation.run();
  }

  setOwnerKeyId(tenantId: string, chainId: string, keyId: string): string {
    this.#insertOwnerKey.run(tenantId, chainId, keyId);
    const row = this.#selectOwnerKey.get(tenantId, chainId);
    if (row === undefined) {
      throw new Error(`The owner key of ${tenantId} on ${chainId} vanished while being set.`);
    }
    return row.key_id;
  }

  createSubnet(subnet: SubnetRecord): void {
    this.#insertSubnet.run(subnetRow(subnet));
  }

  createAccount(account: AccountRecord): void {
    this.#insertAccount.run(accountRow(account));
  }

  recordPayment(payment: PaymentRecord): RecordPaymentResult {
    const idempotencyKey = requireOutgoingWithKey(payment);
    // The unique index decides, not a prior read: insert, and if the key was taken, read the winner.
    if (this.#insertOutgoing.run(paymentRow(payment)).changes === 0) {
      const row = this.#selectPaymentByKey.get(payment.tenantId, idempotencyKey);
      if (row === undefined) {
        throw new Error(`Payment ${payment.id} was neither recorded nor found by its key.`);
      }
      return { created: false, payment: paymentRecord(row) };
    }
    const [event] = creationEvents(payment).map((created) => this.#append(created));
    return { created: true, payment, event: event as PaymentEventRecord };
  }

  recordIncomingPayments(payments: readonly PaymentRecord[]): PaymentEventRecord[] {
    const events: PaymentEventRecord[] = [];
    for (const payment of payments) {
      requireIdentifiedIncoming(payment);
      if (this.#insertIncoming.run(paymentRow(payment)).changes === 0) continue;
      events.push(this.#append(paymentEvent("RECEIVED", { ...payment }, payment.createdAt)));
    }
    return events;
  }

  applyPaymentChanges(changes: readonly PaymentChange[], progress?: ChainProgress): PaymentEventRecord[] {
    // The fence first: a writer that lost its lease is refused before it touches a payment (and the
    // group commit's savepoint would undo them anyway).
    if (progress !== undefined) this.setChainProgress(progress);
    const events: PaymentEventRecord[] = [];
    for (const change of changes) {
      const row = this.#selectPayment.get(change.paymentId);
      const payment = changedPayment(row === undefined ? undefined : paymentRecord(row), change);
      this.#updatePayment.run(paymentRow(payment));
      if (change.eventType === null) continue;
      events.push(this.#append(paymentEvent(change.eventType, payment, change.at)));
    }
    return events;
  }

  /** Throws StaleFenceError (the batch's savepoint then undoes this whole write) when out-fenced. */
  setChainProgress(progress: ChainProgress): void {
    const row = chainProgressRow(progress);
    if (this.#upsertProgress.run(row).changes > 0) return;
    const stored = this.#selectFence.get(row.chain_id);
    if (stored === undefined) {
      throw new Error(`The progress of ${row.chain_id} was neither written nor found.`);
    }
    throw new StaleFenceError({ chainId: row.chain_id, fence: row.fence, storedFence: stored.fence });
  }

  /**
   * Raises the chain's fence past every one stored; runs inside the batch like any write, so a
   * progress write queued before it commits first and one queued after it is judged by the new fence.
   */
  claimChainProgress(chainId: string, atLeast: bigint): ChainClaim {
    const row = this.#raiseFence.get({ chain_id: chainId, at_least: atLeast });
    if (row === undefined) return { fence: atLeast, progress: null };
    return { fence: row.fence, progress: chainProgressRecord(row) };
  }

  /** Appends `event` to the log, and to the batch's journal with the cursor it got. */
  #append(event: NewPaymentEvent): PaymentEventRecord {
    const { lastInsertRowid } = this.#insertEvent.run(paymentEventRow(event));
    const appended = { cursor: BigInt(lastInsertRowid), ...event };
    this.appended.push(appended);
    return appended;
  }
}
