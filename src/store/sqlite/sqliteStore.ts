import type BetterSqlite3 from "better-sqlite3";
import type { Kysely } from "kysely";
import type {
  AccountsTable,
  ApiKeysTable,
  ChainProgressTable,
  Database,
  PaymentsTable,
  SubnetsTable,
  TenantsTable,
  VaultKeysTable,
} from "../database.ts";
import { KyselyCredentialReads } from "../kyselyCredentialReads.ts";
import { KyselyStoreReads } from "../kyselyStoreReads.ts";
import {
  accountRecord,
  apiKeyRecord,
  chainProgressRecord,
  paymentRecord,
  subnetRecord,
  tenantRecord,
  vaultKeyRecord,
} from "../rowCodec.ts";
import type {
  AccountRecord,
  ApiKeyRecord,
  AuditEntryRecord,
  AuditFilter,
  ChainClaim,
  ChainProgress,
  EventFilter,
  Page,
  PageRequest,
  PaymentChange,
  PaymentEventRecord,
  PaymentFilter,
  PaymentRecord,
  RecordPaymentResult,
  Store,
  SubnetRecord,
  TenantRecord,
  VaultKeyRecord,
  VaultRotationRecord,
} from "../store.ts";
import type { StoreWriter } from "./storeWriter.ts";

// SQLite allows 32,766 bound parameters per statement.
const IN_LIST_CHUNK = 500;

/**
 * The Store on one SQLite file. Writes go through group commit (one transaction per event-loop turn)
 * as prepared statements; reads by key are prepared statements too, since they sit on every request's
 * path; lists and filters are the Kysely queries it shares with the other stores (KyselyStoreReads).
 */
export class SqliteStore implements Store {
  readonly #kysely: Kysely<Database>;
  readonly #reads: KyselyStoreReads;
  readonly #credentialReads: KyselyCredentialReads;
  readonly #writer: StoreWriter;
  readonly #tenant: BetterSqlite3.Statement<[string], TenantsTable>;
  readonly #apiKeyBySecretHash: BetterSqlite3.Statement<[string], ApiKeysTable>;
  readonly #vaultKey: BetterSqlite3.Statement<[string], VaultKeysTable>;
  readonly #anyVaultKey: BetterSqlite3.Statement<[], VaultKeysTable>;
  readonly #ownerKey: BetterSqlite3.Statement<[string, string], { key_id: string }>;
  readonly #subnet: BetterSqlite3.Statement<[string], SubnetsTable>;
  readonly #account: BetterSqlite3.Statement<[string], AccountsTable>;
  readonly #payment: BetterSqlite3.Statement<[string], PaymentsTable>;
  readonly #paymentByKey: BetterSqlite3.Statement<[string, string], PaymentsTable>;
  readonly #chainProgress: BetterSqlite3.Statement<[string], ChainProgressTable>;
  readonly #latestEventCursor: BetterSqlite3.Statement<[], { cursor: bigint }>;
  #closed = false;
  readonly #eventListeners = new Set<(events: readonly PaymentEventRecord[]) => void>();

  /** Use openSqliteStore: it configures the connection and migrates the schema first. */
  constructor(db: BetterSqlite3.Database, kysely: Kysely<Database>, writer: StoreWriter) {
    this.#kysely = kysely;
    this.#reads = new KyselyStoreReads(kysely, IN_LIST_CHUNK);
    this.#credentialReads = new KyselyCredentialReads(kysely, IN_LIST_CHUNK);
    this.#writer = writer;
    writer.handleEvents((events) => {
      for (const listener of this.#eventListeners) {
        try {
          listener(events);
        } catch {
          // A listener's fault must not keep writers waiting; the events are in the log.
        }
      }
    });
    this.#tenant = db.prepare("SELECT * FROM tenants WHERE id = ?");
    this.#apiKeyBySecretHash = db.prepare("SELECT * FROM api_keys WHERE secret_hash = ?");
    this.#vaultKey = db.prepare("SELECT * FROM vault_keys WHERE id = ?");
    this.#anyVaultKey = db.prepare("SELECT * FROM vault_keys ORDER BY id LIMIT 1");
    this.#ownerKey = db.prepare("SELECT key_id FROM owner_keys WHERE tenant_id = ? AND chain_id = ?");
    this.#subnet = db.prepare("SELECT * FROM subnets WHERE id = ?");
    this.#account = db.prepare("SELECT * FROM accounts WHERE id = ?");
    this.#payment = db.prepare("SELECT * FROM payments WHERE id = ?");
    this.#paymentByKey = db.prepare(
      "SELECT * FROM payments WHERE tenant_id = ? AND idempotency_key = ? AND direction = 'OUTGOING'",
    );
    this.#chainProgress = db.prepare("SELECT * FROM chain_progress WHERE chain_id = ?");
    this.#latestEventCursor = db.prepare("SELECT coalesce(max(cursor), 0) AS cursor FROM payment_events");
  }

  // Tenants and credentials.

  createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    return this.#writer.run("createTenant", tenant, apiKey, audit);
  }

  async getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]> {
    return ids.map((id) => {
      const row = this.#tenant.get(id);
      return row === undefined ? null : tenantRecord(row);
    });
  }

  listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    return this.#reads.listTenants(page);
  }

  createApiKey(apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    return this.#writer.run("createApiKey", apiKey, audit);
  }

  async findApiKeyBySecretHash(secretHash: string): Promise<ApiKeyRecord | null> {
    const row = this.#apiKeyBySecretHash.get(secretHash);
    return row === undefined ? null : apiKeyRecord(row);
  }

  getApiKeys(ids: readonly string[]): Promise<(ApiKeyRecord | null)[]> {
    return this.#credentialReads.getApiKeys(ids);
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#credentialReads.listApiKeys(tenantId);
  }

  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): Promise<ApiKeyRecord | null> {
    return this.#writer.run("revokeApiKey", id, at, audit);
  }

  recordApiKeyUse(id: string, at: Date): Promise<void> {
    return this.#writer.run("recordApiKeyUse", id, at);
  }

  appendAuditEntry(entry: AuditEntryRecord): Promise<void> {
    return this.#writer.run("appendAuditEntry", entry);
  }

  listAuditEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryRecord>> {
    return this.#credentialReads.listAuditEntries(filter, page);
  }

  // The vault's sealed keys.

  putVaultKey(key: VaultKeyRecord): Promise<void> {
    return this.#writer.run("putVaultKey", key);
  }

  async getVaultKey(id: string): Promise<VaultKeyRecord | null> {
    const row = this.#vaultKey.get(id);
    return row === undefined ? null : vaultKeyRecord(row);
  }

  async anyVaultKey(): Promise<VaultKeyRecord | null> {
    const row = this.#anyVaultKey.get();
    return row === undefined ? null : vaultKeyRecord(row);
  }

  listVaultKeys(after: string | null, limit: number): Promise<VaultKeyRecord[]> {
    return this.#reads.listVaultKeys(after, limit);
  }

  replaceVaultKeySealed(id: string, expectedSealed: Uint8Array, sealed: Uint8Array): Promise<boolean> {
    return this.#writer.run("replaceVaultKeySealed", id, expectedSealed, sealed);
  }

  getVaultRotation(): Promise<VaultRotationRecord | null> {
    return this.#reads.getVaultRotation();
  }

  beginVaultRotation(rotation: VaultRotationRecord): Promise<VaultRotationRecord> {
    return this.#writer.run("beginVaultRotation", rotation);
  }

  endVaultRotation(): Promise<void> {
    return this.#writer.run("endVaultRotation");
  }

  async getOwnerKeyId(tenantId: string, chainId: string): Promise<string | null> {
    return this.#ownerKey.get(tenantId, chainId)?.key_id ?? null;
  }

  setOwnerKeyId(tenantId: string, chainId: string, keyId: string): Promise<string> {
    return this.#writer.run("setOwnerKeyId", tenantId, chainId, keyId);
  }

  // Subnets and accounts.

  createSubnet(subnet: SubnetRecord): Promise<void> {
    return this.#writer.run("createSubnet", subnet);
  }

  async getSubnets(ids: readonly string[]): Promise<(SubnetRecord | null)[]> {
    return ids.map((id) => {
      const row = this.#subnet.get(id);
      return row === undefined ? null : subnetRecord(row);
    });
  }

  listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>> {
    return this.#reads.listSubnets(tenantId, page);
  }

  createAccount(account: AccountRecord): Promise<void> {
    return this.#writer.run("createAccount", account);
  }

  async getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]> {
    return ids.map((id) => {
      const row = this.#account.get(id);
      return row === undefined ? null : accountRecord(row);
    });
  }

  listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>> {
    return this.#reads.listAccounts(subnetId, page);
  }

  findAccountsByAddress(chainId: string, addresses: readonly string[]): Promise<AccountRecord[]> {
    return this.#reads.findAccountsByAddress(chainId, addresses);
  }

  // Payments and their event log.

  recordPayment(payment: PaymentRecord): Promise<RecordPaymentResult> {
    return this.#writer.run("recordPayment", payment);
  }

  async findPaymentByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<PaymentRecord | null> {
    const row = this.#paymentByKey.get(tenantId, idempotencyKey);
    return row === undefined ? null : paymentRecord(row);
  }

  recordIncomingPayments(payments: readonly PaymentRecord[]): Promise<PaymentEventRecord[]> {
    return this.#writer.run("recordIncomingPayments", payments);
  }

  applyPaymentChanges(
    changes: readonly PaymentChange[],
    progress?: ChainProgress,
  ): Promise<PaymentEventRecord[]> {
    return this.#writer.run("applyPaymentChanges", changes, progress);
  }

  async getPayments(ids: readonly string[]): Promise<(PaymentRecord | null)[]> {
    return ids.map((id) => {
      const row = this.#payment.get(id);
      return row === undefined ? null : paymentRecord(row);
    });
  }

  listPayments(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>> {
    return this.#reads.listPayments(filter, page);
  }

  findPaymentsByTxHash(chainId: string, txHashes: readonly string[]): Promise<PaymentRecord[]> {
    return this.#reads.findPaymentsByTxHash(chainId, txHashes);
  }

  listOpenPayments(chainId: string): Promise<PaymentRecord[]> {
    return this.#reads.listOpenPayments(chainId);
  }

  readEvents(filter: EventFilter): Promise<PaymentEventRecord[]> {
    return this.#reads.readEvents(filter);
  }

  async latestEventCursor(): Promise<bigint> {
    return (this.#latestEventCursor.get() as { cursor: bigint }).cursor;
  }

  onEventsCommitted(listener: (events: readonly PaymentEventRecord[]) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  async getChainProgress(chainId: string): Promise<ChainProgress | null> {
    const row = this.#chainProgress.get(chainId);
    return row === undefined ? null : chainProgressRecord(row);
  }

  setChainProgress(progress: ChainProgress): Promise<void> {
    return this.#writer.run("setChainProgress", progress);
  }

  claimChainProgress(chainId: string, atLeast: bigint): Promise<ChainClaim> {
    return this.#writer.run("claimChainProgress", chainId, atLeast);
  }

  /** Commits the writes already issued, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writer.close();
    await this.#kysely.destroy();
  }
}
