import type { Generated } from "kysely";

// The tables as better-sqlite3 reads them with safe integers on (and pg, given
// postgres/bigintTypeParsers.ts): every INTEGER column is a bigint (times are epoch milliseconds),
// blobs are Buffers, amounts are decimal text. rowCodec.ts turns rows into the Store's records and back.

export interface TenantsTable {
  id: string;
  name: string;
  created_at: bigint;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  label: string;
  secret_hash: string;
  created_at: bigint;
  last_used_at: bigint | null;
  revoked_at: bigint | null;
}

export interface VaultKeysTable {
  id: string;
  scheme: string;
  public_key: Uint8Array;
  sealed: Uint8Array;
  created_at: bigint;
}

/** At most one row (id "master_key"): the master key rotation under way. */
export interface VaultRotationTable {
  id: string;
  from_key_check: Uint8Array;
  to_key_check: Uint8Array;
  started_at: bigint;
}

export interface OwnerKeysTable {
  tenant_id: string;
  chain_id: string;
  key_id: string;
}

/** The asset columns subnets and payments both carry. */
export interface AssetColumns {
  asset_id: string;
  asset_chain_id: string;
  asset_kind: string;
  asset_symbol: string;
  asset_decimals: bigint;
  asset_address: string | null;
}

export interface SubnetsTable extends AssetColumns {
  id: string;
  tenant_id: string;
  name: string;
  chain_id: string;
  created_at: bigint;
}

export interface AccountsTable {
  id: string;
  tenant_id: string;
  subnet_id: string;
  chain_id: string;
  address: string;
  label: string | null;
  custody: string;
  key_id: string | null;
  created_at: bigint;
}

export interface PaymentsTable extends AssetColumns {
  id: string;
  tenant_id: string;
  direction: string;
  account_id: string;
  subnet_id: string;
  chain_id: string;
  amount: string;
  from_address: string;
  to_address: string;
  to_account_id: string | null;
  memo: string | null;
  status: string;
  tx_hash: string | null;
  raw_transaction: Uint8Array | null;
  nonce: bigint | null;
  valid_until_height: bigint | null;
  block_height: bigint | null;
  block_hash: string | null;
  transfer_index: bigint | null;
  confirmations: bigint;
  fee: string | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  input_hash: string | null;
  created_at: bigint;
  updated_at: bigint;
}

export interface PaymentEventsTable {
  cursor: Generated<bigint>;
  tenant_id: string;
  payment_id: string;
  account_id: string;
  subnet_id: string;
  type: string;
  /** The payment right after the change, as paymentSnapshot.ts writes it. */
  payment: string;
  at: bigint;
}

export interface ChainProgressTable {
  chain_id: string;
  height: bigint;
  hash: string;
  /** The fencing token of the tracker that wrote the row; 0 for one without a lease. */
  fence: bigint;
}

export interface AuditEntriesTable {
  id: string;
  at: bigint;
  /** "admin", "tenant" or "system"; a tenant actor also names its tenant and key. */
  actor: string;
  actor_tenant_id: string | null;
  actor_api_key_id: string | null;
  action: string;
  target_id: string | null;
  tenant_id: string | null;
  /** A JSON object. */
  details: string;
}

/** The store's schema for Kysely's typed queries (see sqlite/migrations/). */
export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  vault_keys: VaultKeysTable;
  vault_rotation: VaultRotationTable;
  owner_keys: OwnerKeysTable;
  subnets: SubnetsTable;
  accounts: AccountsTable;
  payments: PaymentsTable;
  payment_events: PaymentEventsTable;
  chain_progress: ChainProgressTable;
  audit_entries: AuditEntriesTable;
}
