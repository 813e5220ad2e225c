import { type Kysely, sql } from "kysely";
import type { Database } from "../sqlite/database.ts";
import {
  accountRecord,
  apiKeyRecord,
  chainProgressRecord,
  paymentEventRecord,
  paymentRecord,
  subnetRecord,
  tenantRecord,
  vaultKeyRecord,
} from "../sqlite/rowCodec.ts";
import type {
  AccountRecord,
  ApiKeyRecord,
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
} from "../store.ts";
import { GroupCommit } from "./groupCommit.ts";
import * as writes from "./postgresWrites.ts";

/** Items and cursors of a page read with `first + 1` rows: the extra row only tells that more exist. */
function toPage<T extends { id: string }>(items: T[], first: number): Page<T> {
  const page = items.slice(0, first);
  return { items: page, cursors: page.map((item) => item.id), hasNextPage: items.length > first };
}

// A statement takes at most 65,535 parameters; a DataLoader batch may be larger.
const IN_LIST_CHUNK = 1_000;
function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IN_LIST_CHUNK) out.push(list.slice(i, i + IN_LIST_CHUNK));
  return out;
}

/** Records by id, in the order asked (repeats included), null where none exists. */
async function inOrderAsked<R extends { id: string }, T>(
  ids: readonly string[],
  read: (chunk: string[]) => Promise<R[]>,
  decode: (row: R) => T,
): Promise<(T | null)[]> {
  const found = new Map<string, T>();
  for (const chunk of chunks([...new Set(ids)])) {
    for (const row of await read(chunk)) found.set(row.id, decode(row));
  }
  return ids.map((id) => found.get(id) ?? null);
}

const OPEN_STATUSES = ["PENDING", "SUBMITTED", "CONFIRMED"] as const;

/**
 * The Store on PostgreSQL, through Kysely over a pg Pool. Writes go through GroupCommit (issue
 * order, savepoint per write, event cursors in commit order); reads run on any pooled connection
 * at READ COMMITTED. Page cursors are ids: ids are monotonic ULIDs, so id order is
 * creation order.
 */
export class PostgresStore implements Store {
  readonly #db: Kysely<Database>;
  readonly #commit: GroupCommit;
  readonly #eventListeners = new Set<(events: readonly PaymentEventRecord[]) => void>();
  #closed = false;

  /** Use openPostgresStore: it sets up the pool and migrates the schema first. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
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

  createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord): Promise<void> {
    return this.#commit.run(writes.createTenant(tenant, apiKey));
  }

  getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]> {
    return inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("tenants").selectAll().where("id", "in", chunk).execute(),
      tenantRecord,
    );
  }

  async listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    const first = Math.max(0, page.first);
    let query = this.#db.selectFrom("tenants").selectAll();
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(first + 1)
      .execute();
    return toPage(rows.map(tenantRecord), first);
  }

  createApiKey(apiKey: ApiKeyRecord): Promise<void> {
    return this.#commit.run(writes.createApiKey(apiKey));
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
    return inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("subnets").selectAll().where("id", "in", chunk).execute(),
      subnetRecord,
    );
  }

  async listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>> {
    const first = Math.max(0, page.first);
    let query = this.#db.selectFrom("subnets").selectAll().where("tenant_id", "=", tenantId);
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(first + 1)
      .execute();
    return toPage(rows.map(subnetRecord), first);
  }

  createAccount(account: AccountRecord): Promise<void> {
    return this.#commit.run(writes.createAccount(account));
  }

  getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]> {
    return inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("accounts").selectAll().where("id", "in", chunk).execute(),
      accountRecord,
    );
  }

  async listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>> {
    const first = Math.max(0, page.first);
    let query = this.#db.selectFrom("accounts").selectAll().where("subnet_id", "=", subnetId);
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(first + 1)
      .execute();
    return toPage(rows.map(accountRecord), first);
  }

  async findAccountsByAddress(chainId: string, addresses: readonly string[]): Promise<AccountRecord[]> {
    const found: AccountRecord[] = [];
    for (const chunk of chunks(addresses)) {
      const rows = await this.#db
        .selectFrom("accounts")
        .selectAll()
        .where("chain_id", "=", chainId)
        .where("address", "in", chunk)
        .orderBy("id")
        .execute();
      found.push(...rows.map(accountRecord));
    }
    return found;
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
    return inOrderAsked(
      ids,
      (chunk) => this.#db.selectFrom("payments").selectAll().where("id", "in", chunk).execute(),
      paymentRecord,
    );
  }

  async listPayments(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>> {
    const first = Math.max(0, page.first);
    let query = this.#db.selectFrom("payments").selectAll().where("tenant_id", "=", filter.tenantId);
    if (filter.accountId !== undefined) query = query.where("account_id", "=", filter.accountId);
    if (filter.subnetId !== undefined) query = query.where("subnet_id", "=", filter.subnetId);
    if (filter.direction !== undefined) query = query.where("direction", "=", filter.direction);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    // Newest first: the next page holds smaller ids.
    if (page.after) query = query.where("id", "<", page.after);
    const rows = await query
      .orderBy("id", "desc")
      .limit(first + 1)
      .execute();
    return toPage(rows.map(paymentRecord), first);
  }

  async findPaymentsByTxHash(chainId: string, txHashes: readonly string[]): Promise<PaymentRecord[]> {
    const found: PaymentRecord[] = [];
    for (const chunk of chunks(txHashes)) {
      const rows = await this.#db
        .selectFrom("payments")
        .selectAll()
        .where("chain_id", "=", chainId)
        .where("tx_hash", "in", chunk)
        .where("direction", "=", "OUTGOING")
        .orderBy("id")
        .execute();
      found.push(...rows.map(paymentRecord));
    }
    return found;
  }

  async listOpenPayments(chainId: string): Promise<PaymentRecord[]> {
    const rows = await this.#db
      .selectFrom("payments")
      .selectAll()
      .where("chain_id", "=", chainId)
      .where("status", "in", OPEN_STATUSES)
      .orderBy("id")
      .execute();
    return rows.map(paymentRecord);
  }

  async readEvents(filter: EventFilter): Promise<PaymentEventRecord[]> {
    let query = this.#db
      .selectFrom("payment_events")
      .selectAll()
      .where("tenant_id", "=", filter.tenantId)
      .where("cursor", ">", filter.after);
    if (filter.accountId !== undefined) query = query.where("account_id", "=", filter.accountId);
    if (filter.subnetId !== undefined) query = query.where("subnet_id", "=", filter.subnetId);
    const rows = await query.orderBy("cursor").limit(Math.max(0, filter.limit)).execute();
    return rows.map(paymentEventRecord);
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

  /** Commits the writes already issued, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.settled();
    await this.#db.destroy();
  }
}
