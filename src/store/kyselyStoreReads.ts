import type { Kysely } from "kysely";
import type { Database } from "./database.ts";
import {
  accountRecord,
  paymentEventRecord,
  paymentRecord,
  subnetRecord,
  tenantRecord,
  vaultKeyRecord,
} from "./rowCodec.ts";
import type {
  AccountRecord,
  EventFilter,
  Page,
  PageRequest,
  PaymentEventRecord,
  PaymentFilter,
  PaymentRecord,
  SubnetRecord,
  TenantRecord,
  VaultKeyRecord,
  VaultRotationRecord,
} from "./store.ts";
import { VAULT_ROTATION_ID, vaultRotationRecord } from "./vaultRotationRow.ts";

const OPEN_STATUSES = ["PENDING", "SUBMITTED", "CONFIRMED"] as const;

/** Items and cursors of a page read with `first + 1` rows: the extra row only tells that more exist. */
export function toPage<T extends { id: string }>(items: T[], first: number): Page<T> {
  const page = items.slice(0, first);
  return { items: page, cursors: page.map((item) => item.id), hasNextPage: items.length > first };
}

/** `list` in slices of at most `size`: each fits one `IN (...)` list. */
export function inChunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * The Store's lists and filters as Kysely queries, which read the same on every dialect the store
 * runs on. Page cursors are ids: ids are monotonic ULIDs, so id order is creation order.
 */
export class KyselyStoreReads {
  readonly #db: Kysely<Database>;
  readonly #inListChunk: number;

  /** `inListChunk`: the most values one `IN (...)` list may bind, as the dialect's parameter limit allows. */
  constructor(db: Kysely<Database>, inListChunk: number) {
    this.#db = db;
    this.#inListChunk = inListChunk;
  }

  /** `list` in slices that each fit one `IN (...)` list: a DataLoader batch may be larger. */
  chunks<T>(list: readonly T[]): T[][] {
    return inChunks(list, this.#inListChunk);
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

  async listVaultKeys(after: string | null, limit: number): Promise<VaultKeyRecord[]> {
    let query = this.#db.selectFrom("vault_keys").selectAll();
    if (after !== null) query = query.where("id", ">", after);
    const rows = await query.orderBy("id").limit(Math.max(0, limit)).execute();
    return rows.map(vaultKeyRecord);
  }

  async getVaultRotation(): Promise<VaultRotationRecord | null> {
    const row = await this.#db
      .selectFrom("vault_rotation")
      .selectAll()
      .where("id", "=", VAULT_ROTATION_ID)
      .executeTakeFirst();
    return row === undefined ? null : vaultRotationRecord(row);
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
    for (const chunk of this.chunks(addresses)) {
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
    for (const chunk of this.chunks(txHashes)) {
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
}
