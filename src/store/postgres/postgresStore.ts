import { type Kysely, sql } from "kysely";
import type { Database } from "../database.ts";
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
import { GroupCommit } from "./groupCommit.ts";
import * as credentialWrites from "./postgresCredentialWrites.ts";
import * as writes from "./postgresWrites.ts";

// A statement takes at most 65,535 parameters.
const IN_LIST_CHUNK = 1_000;

/**
 * The Store on PostgreSQL, through Kysely over a pg Pool. Writes go through GroupCommit (issue
 * order, savepoint per write, event cursors in commit order); reads run on any pooled connection
 * at READ COMMITTED; lists and filters are the Kysely queries it shares with the other stores
 * (KyselyStoreReads).
 */
export class PostgresStore implements Store {
  readonly #db: Kysely<Database>;
  readonly #reads: KyselyStoreReads;
  readonly #credentialReads: KyselyCredentialReads;
  readonly #commit: GroupCommit;
  readonly #eventListeners = new Set<(events: readonly PaymentEventRecord[]) => void>();
  #closed = false;

  /** Use openPostgresStore: it sets up the pool and migrates the schema first. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#reads = new KyselyStoreReads(db, IN_LIST_CHUNK);
    this.#credentialReads = new KyselyCredentialReads(db, IN_LIST_CHUNK);
    this.#commit = new GroupCommit(db, (events) => {
      for (const listener of this.#eventListeners) {
        try {
          listener(events);
        } catch {
          // A listener's fault must not keep writers waiting; the events are in the log.
        }
      }
    });
  }

  // Tenants and credentials.

  createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    return this.#commit.run(writes.createTenant(tenant, apiKey, audit));
  }

  getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]> {
    return this.#inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("tenants").selectAll().where("id", "in", chunk).execute(),
      tenantRecord,
    );
  }

  listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    return this.#reads.listTenants(page);
  }

  createApiKey(apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    return this.#commit.run(writes.createApiKey(apiKey, audit));
  }

  getApiKeys(ids: readonly string[]): Promise<(ApiKeyRecord | null)[]> {
    return this.#credentialReads.getApiKeys(ids);
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#credentialReads.listApiKeys(tenantId);
  }

  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): Promise<ApiKeyRecord | null> {
    return this.#commit.run(credentialWrites.revokeApiKey(id, at, audit));
  }

  recordApiKeyUse(id: string, at: Date): Promise<void> {
    return this.#commit.run(credentialWrites.recordApiKeyUse(id, at));
  }

  appendAuditEntry(entry: AuditEntryRecord): Promise<void> {
    return this.#commit.run(credentialWrites.appendAuditEntry(entry));
  }

  listAuditEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryRecord>> {
    return this.#credentialReads.listAuditEntries(filter, page);
  }

  async findApiKeyBySecretHash(secretHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.#db
      .selectFrom("api_keys")
      .selectAll()
      .where("secret_hash", "=", secretHash)
      .executeTakeFirst();
    return row === undefined ? null : apiKeyRecord(row);
  }

  // The vault's sealed keys.

  putVaultKey(key: VaultKeyRecord): Promise<void> {
    return this.#commit.run(writes.putVaultKey(key));
  }

  async getVaultKey(id: string): Promise<VaultKeyRecord | null> {
    const row = await this.#db.selectFrom("vault_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? null : vaultKeyRecord(row);
  }

  async anyVaultKey(): Promise<VaultKeyRecord | null> {
    const row = await this.#db.selectFrom("vault_keys").selectAll().orderBy("id").limit(1).executeTakeFirst();
    return row === undefined ? null : vaultKeyRecord(row);
  }

  listVaultKeys(after: string | null, limit: number): Promise<VaultKeyRecord[]> {
    return this.#reads.listVaultKeys(after, limit);
  }

  replaceVaultKeySealed(id: string, expectedSealed: Uint8Array, sealed: Uint8Array): Promise<boolean> {
    return this.#commit.run(writes.replaceVaultKeySealed(id, expectedSealed, sealed));
  }

  getVaultRotation(): Promise<VaultRotationRecord | null> {
    return this.#reads.getVaultRotation();
  }

  beginVaultRotation(rotation: VaultRotationRecord): Promise<VaultRotationRecord> {
    return this.#commit.run(writes.beginVaultRotation(rotation));
  }

  endVaultRotation(): Promise<void> {
    return this.#commit.run(writes.endVaultRotation());
  }

  async getOwnerKeyId(tenantId: string, chainId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("owner_keys")
      .select("key_id")
      .where("tenant_id", "=", tenantId)
      .where("chain_id", "=", chainId)
      .executeTakeFirst();
    return row?.key_id ?? null;
  }

  setOwnerKeyId(tenantId: string, chainId: string, keyId: string): Promise<string> {
    return this.#commit.run(writes.setOwnerKeyId(tenantId, chainId, keyId));
  }

  // Subnets and accounts.

  createSubnet(subnet: SubnetRecord): Promise<void> {
    return this.#commit.run(writes.createSubnet(subnet));
  }

  getSubnets(ids: readonly string[]): Promise<(SubnetRecord | null)[]> {
    return this.#inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("subnets").selectAll().where("id", "in", chunk).execute(),
      subnetRecord,
    );
  }

  listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>> {
    return this.#reads.listSubnets(tenantId, page);
  }

  createAccount(account: AccountRecord): Promise<void> {
    return this.#commit.run(writes.createAccount(account));
  }

  getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]> {
    return this.#inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("accounts").selectAll().where("id", "in", chunk).execute(),
      accountRecord,
    );
  }

  listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>> {
    return this.#reads.listAccounts(subnetId, page);
  }

  findAccountsByAddress(chainId: string, addresses: readonly string[]): Promise<AccountRecord[]> {
    return this.#reads.findAccountsByAddress(chainId, addresses);
  }

  // Payments and their event log.

  recordPayment(payment: PaymentRecord): Promise<RecordPaymentResult> {
    return this.#commit.run(writes.recordPayment(payment));
  }

  async findPaymentByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<PaymentRecord | null> {
    const row = await this.#db
      .selectFrom("payments")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("idempotency_key", "=", idempotencyKey)
      .where("direction", "=", "OUTGOING")
      .executeTakeFirst();
    return row === undefined ? null : paymentRecord(row);
  }

  recordIncomingPayments(payments: readonly PaymentRecord[]): Promise<PaymentEventRecord[]> {
    return this.#commit.run(writes.recordIncomingPayments(payments));
  }

  applyPaymentChanges(
    changes: readonly PaymentChange[],
    progress?: ChainProgress,
  ): Promise<PaymentEventRecord[]> {
    return this.#commit.run(writes.applyPaymentChanges(changes, progress));
  }

  getPayments(ids: readonly string[]): Promise<(PaymentRecord | null)[]> {
    return this.#inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("payments").selectAll().where("id", "in", chunk).execute(),
      paymentRecord,
    );
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
    // Sound because cursors are taken and committed in one order (see GroupCommit): nothing
    // below this maximum can still commit.
    const row = await this.#db
      .selectFrom("payment_events")
      .select((eb) => eb.fn.coalesce(eb.fn.max("cursor"), sql<bigint>`0`).as("cursor"))
      .executeTakeFirstOrThrow();
    return BigInt(row.cursor);
  }

  onEventsCommitted(listener: (events: readonly PaymentEventRecord[]) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  async getChainProgress(chainId: string): Promise<ChainProgress | null> {
    const row = await this.#db
      .selectFrom("chain_progress")
      .selectAll()
      .where("chain_id", "=", chainId)
      .executeTakeFirst();
    return row === undefined ? null : chainProgressRecord(row);
  }

  setChainProgress(progress: ChainProgress): Promise<void> {
    return this.#commit.run(writes.setChainProgress(progress));
  }

  claimChainProgress(chainId: string, atLeast: bigint): Promise<ChainClaim> {
    return this.#commit.run(writes.claimChainProgress(chainId, atLeast));
  }

  /** Records by id, in the order asked (repeats included), null where none exists. */
  async #inOrderAsked<R extends { id: string }, T>(
    ids: readonly string[],
    read: (chunk: string[]) => Promise<R[]>,
    decode: (row: R) => T,
  ): Promise<(T | null)[]> {
    const found = new Map<string, T>();
    for (const chunk of this.#reads.chunks([...new Set(ids)])) {
      for (const row of await read(chunk)) found.set(row.id, decode(row));
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Commits the writes already issued, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.settled();
    await this.#db.destroy();
  }
}
