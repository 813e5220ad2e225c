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
} from "./store.ts";

export interface ImmutableRecordCacheOptions {
  /** At most this many records held of each kind (tenants, subnets, accounts). Default 10,000. */
  maxEntries?: number;
}

/**
 * `store` with tenants, subnets and accounts read by id from memory. Those records never change once
 * created (the Store has no method that updates or deletes one), so a copy can never be stale; the
 * point reads sat on every request's path. Misses are filled with one batched call to `store`.
 * Records this store creates are cached as written. A null is never cached: a record another replica
 * creates must become visible here. Everything else passes through untouched.
 *
 * Cached records are frozen and shared by every caller: one that tried to change one would change it
 * for every later request, so it fails instead.
 */
export function withImmutableRecordCache(store: Store, options: ImmutableRecordCacheOptions = {}): Store {
  return new ImmutableRecordCacheStore(store, options.maxEntries ?? 10_000);
}

class ImmutableRecordCacheStore implements Store {
  readonly #store: Store;
  readonly #tenants: RecordLru<TenantRecord>;
  readonly #subnets: RecordLru<SubnetRecord>;
  readonly #accounts: RecordLru<AccountRecord>;

  constructor(store: Store, maxEntries: number) {
    this.#store = store;
    this.#tenants = new RecordLru(maxEntries);
    this.#subnets = new RecordLru(maxEntries);
    this.#accounts = new RecordLru(maxEntries);
  }

  // Cached: the records that never change.

  async createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    await this.#store.createTenant(tenant, apiKey, audit);
    this.#tenants.set(frozenCopy(tenant));
  }

  getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]> {
    return this.#tenants.read(ids, (missing) => this.#store.getTenants(missing));
  }

  async createSubnet(subnet: SubnetRecord): Promise<void> {
    await this.#store.createSubnet(subnet);
    this.#subnets.set(frozenCopy(subnet));
  }

  getSubnets(ids: readonly string[]): Promise<(SubnetRecord | null)[]> {
    return this.#subnets.read(ids, (missing) => this.#store.getSubnets(missing));
  }

  async createAccount(account: AccountRecord): Promise<void> {
    await this.#store.createAccount(account);
    this.#accounts.set(frozenCopy(account));
  }

  getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]> {
    return this.#accounts.read(ids, (missing) => this.#store.getAccounts(missing));
  }

  // Passed through. Spelled out rather than proxied, so that a method added to Store has to be
  // added here too, by someone deciding whether it changes a cached record.

  listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    return this.#store.listTenants(page);
  }
  createApiKey(apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void> {
    return this.#store.createApiKey(apiKey, audit);
  }
  findApiKeyBySecretHash(secretHash: string): Promise<ApiKeyRecord | null> {
    return this.#store.findApiKeyBySecretHash(secretHash);
  }
  // API keys change (revoked, used): never cached here; the authenticator holds its own short-lived cache.
  getApiKeys(ids: readonly string[]): Promise<(ApiKeyRecord | null)[]> {
    return this.#store.getApiKeys(ids);
  }
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#store.listApiKeys(tenantId);
  }
  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): Promise<ApiKeyRecord | null> {
    return this.#store.revokeApiKey(id, at, audit);
  }
  recordApiKeyUse(id: string, at: Date): Promise<void> {
    return this.#store.recordApiKeyUse(id, at);
  }
  appendAuditEntry(entry: AuditEntryRecord): Promise<void> {
    return this.#store.appendAuditEntry(entry);
  }
  listAuditEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryRecord>> {
    return this.#store.listAuditEntries(filter, page);
  }
  putVaultKey(key: VaultKeyRecord): Promise<void> {
    return this.#store.putVaultKey(key);
  }
  getVaultKey(id: string): Promise<VaultKeyRecord | null> {
    return this.#store.getVaultKey(id);
  }
  anyVaultKey(): Promise<VaultKeyRecord | null> {
    return this.#store.anyVaultKey();
  }
  listVaultKeys(after: string | null, limit: number): Promise<VaultKeyRecord[]> {
    return this.#store.listVaultKeys(after, limit);
  }
  replaceVaultKeySealed(id: string, expectedSealed: Uint8Array, sealed: Uint8Array): Promise<boolean> {
    return this.#store.replaceVaultKeySealed(id, expectedSealed, sealed);
  }
  getVaultRotation(): Promise<VaultRotationRecord | null> {
    return this.#store.getVaultRotation();
  }
  beginVaultRotation(rotation: VaultRotationRecord): Promise<VaultRotationRecord> {
    return this.#store.beginVaultRotation(rotation);
  }
  endVaultRotation(): Promise<void> {
    return this.#store.endVaultRotation();
  }
  getOwnerKeyId(tenantId: string, chainId: string): Promise<string | null> {
    return this.#store.getOwnerKeyId(tenantId, chainId);
  }
  setOwnerKeyId(tenantId: string, chainId: string, keyId: string): Promise<string> {
    return this.#store.setOwnerKeyId(tenantId, chainId, keyId);
  }
  listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>> {
    return this.#store.listSubnets(tenantId, page);
  }
  listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>> {
    return this.#store.listAccounts(subnetId, page);
  }
  findAccountsByAddress(chainId: string, addresses: readonly string[]): Promise<AccountRecord[]> {
    return this.#store.findAccountsByAddress(chainId, addresses);
  }
  recordPayment(payment: PaymentRecord): Promise<RecordPaymentResult> {
    return this.#store.recordPayment(payment);
  }
  findPaymentByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<PaymentRecord | null> {
    return this.#store.findPaymentByIdempotencyKey(tenantId, idempotencyKey);
  }
  recordIncomingPayments(payments: readonly PaymentRecord[]): Promise<PaymentEventRecord[]> {
    return this.#store.recordIncomingPayments(payments);
  }
  applyPaymentChanges(
    changes: readonly PaymentChange[],
    progress?: ChainProgress,
  ): Promise<PaymentEventRecord[]> {
    return this.#store.applyPaymentChanges(changes, progress);
  }
  getPayments(ids: readonly string[]): Promise<(PaymentRecord | null)[]> {
    return this.#store.getPayments(ids);
  }
  listPayments(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>> {
    return this.#store.listPayments(filter, page);
  }
  findPaymentsByTxHash(chainId: string, txHashes: readonly string[]): Promise<PaymentRecord[]> {
    return this.#store.findPaymentsByTxHash(chainId, txHashes);
  }
  listOpenPayments(chainId: string): Promise<PaymentRecord[]> {
    return this.#store.listOpenPayments(chainId);
  }
  readEvents(filter: EventFilter): Promise<PaymentEventRecord[]> {
    return this.#store.readEvents(filter);
  }
  latestEventCursor(): Promise<bigint> {
    return this.#store.latestEventCursor();
  }
  onEventsCommitted(listener: (events: readonly PaymentEventRecord[]) => void): () => void {
    return this.#store.onEventsCommitted(listener);
  }
  getChainProgress(chainId: string): Promise<ChainProgress | null> {
    return this.#store.getChainProgress(chainId);
  }
  setChainProgress(progress: ChainProgress): Promise<void> {
    return this.#store.setChainProgress(progress);
  }
  claimChainProgress(chainId: string, atLeast: bigint): Promise<ChainClaim> {
    return this.#store.claimChainProgress(chainId, atLeast);
  }
  close(): Promise<void> {
    return this.#store.close();
  }
}

/** Records by id, least recently used first out. */
class RecordLru<T extends { id: string }> {
  readonly #records = new Map<string, T>();

  constructor(readonly maxEntries: number) {}

  /** The records for `ids` in order, nulls where none exists; what is not held is read in one call. */
  async read(
    ids: readonly string[],
    load: (missing: string[]) => Promise<(T | null)[]>,
  ): Promise<(T | null)[]> {
    const out: (T | null)[] = [];
    let missing: Set<string> | undefined;
    for (const id of ids) {
      const record = this.#records.get(id);
      if (record !== undefined) {
        this.#records.delete(id);
        this.#records.set(id, record);
      } else {
        missing ??= new Set();
        missing.add(id);
      }
      out.push(record ?? null);
    }
    if (missing === undefined) return out;

    const asked = [...missing];
    const loaded = await load(asked);
    const found = new Map<string, T>();
    asked.forEach((id, i) => {
      const record = loaded[i];
      if (record != null) found.set(id, this.set(deepFreeze(record)));
    });
    return ids.map((id, i) => out[i] ?? found.get(id) ?? null);
  }

  set(record: T): T {
    this.#records.delete(record.id);
    this.#records.set(record.id, record);
    if (this.#records.size > this.maxEntries) {
      const oldest = this.#records.keys().next();
      if (!oldest.done) this.#records.delete(oldest.value);
    }
    return record;
  }
}

/** A frozen copy: the caller keeps its own object to change as it likes. */
const frozenCopy = <T extends object>(record: T): T => deepFreeze(structuredClone(record));

// Records are plain data one or two levels deep (a subnet's asset); Dates stay mutable, as freezing
// does not reach their internal time.
function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === "object" && field !== null && !(field instanceof Date)) deepFreeze(field);
  }
  return Object.freeze(value);
}
