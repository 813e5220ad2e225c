import type {
  AccountsTable,
  ApiKeysTable,
  AssetColumns,
  ChainProgressTable,
  PaymentEventsTable,
  PaymentsTable,
  SubnetsTable,
  TenantsTable,
  VaultKeysTable,
} from "./database.ts";
import { decodePaymentSnapshot, encodePaymentSnapshot } from "./paymentSnapshot.ts";
import type {
  AccountRecord,
  ApiKeyRecord,
  AssetRecord,
  ChainProgress,
  NewPaymentEvent,
  PaymentEventRecord,
  PaymentRecord,
  SubnetRecord,
  TenantRecord,
  VaultKeyRecord,
} from "./store.ts";

// Records to rows and back. Times are epoch milliseconds (a Date holds nothing finer), amounts and
// fees decimal text, heights and nonces 64-bit integers, bytes blobs read back as plain Uint8Arrays.

const time = (date: Date): bigint => BigInt(date.getTime());
const timeOrNull = (date: Date | null): bigint | null => (date === null ? null : time(date));
const date = (ms: bigint): Date => new Date(Number(ms));
const dateOrNull = (ms: bigint | null): Date | null => (ms === null ? null : date(ms));
const numberOrNull = (value: bigint | null): number | null => (value === null ? null : Number(value));
const bigintOrNull = (value: number | bigint | null): bigint | null =>
  value === null ? null : BigInt(value);
// better-sqlite3 reads blobs as Buffers; callers get the Uint8Array the contract names (same memory).
const bytes = (blob: Uint8Array): Uint8Array => new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);

export const tenantRow = (t: TenantRecord): TenantsTable => ({
  id: t.id,
  name: t.name,
  created_at: time(t.createdAt),
});

export const tenantRecord = (row: TenantsTable): TenantRecord => ({
  id: row.id,
  name: row.name,
  createdAt: date(row.created_at),
});

export const apiKeyRow = (k: ApiKeyRecord): ApiKeysTable => ({
  id: k.id,
  tenant_id: k.tenantId,
  label: k.label,
  secret_hash: k.secretHash,
  created_at: time(k.createdAt),
  last_used_at: timeOrNull(k.lastUsedAt),
  revoked_at: timeOrNull(k.revokedAt),
});

export const apiKeyRecord = (row: ApiKeysTable): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  label: row.label,
  secretHash: row.secret_hash,
  createdAt: date(row.created_at),
  lastUsedAt: dateOrNull(row.last_used_at),
  revokedAt: dateOrNull(row.revoked_at),
});

export const vaultKeyRow = (k: VaultKeyRecord): VaultKeysTable => ({
  id: k.id,
  scheme: k.scheme,
  public_key: k.publicKey,
  sealed: k.sealed,
  created_at: time(k.createdAt),
});

export const vaultKeyRecord = (row: VaultKeysTable): VaultKeyRecord => ({
  id: row.id,
  scheme: row.scheme as VaultKeyRecord["scheme"],
  publicKey: bytes(row.public_key),
  sealed: bytes(row.sealed),
  createdAt: date(row.created_at),
});

const assetColumns = (a: AssetRecord): AssetColumns => ({
  asset_id: a.id,
  asset_chain_id: a.chainId,
  asset_kind: a.kind,
  asset_symbol: a.symbol,
  asset_decimals: BigInt(a.decimals),
  asset_address: a.address,
});

const assetRecord = (row: AssetColumns): AssetRecord => ({
  id: row.asset_id,
  chainId: row.asset_chain_id,
  kind: row.asset_kind as AssetRecord["kind"],
  symbol: row.asset_symbol,
  decimals: Number(row.asset_decimals),
  address: row.asset_address,
});

export const subnetRow = (s: SubnetRecord): SubnetsTable => ({
  id: s.id,
  tenant_id: s.tenantId,
  name: s.name,
  chain_id: s.chainId,
  ...assetColumns(s.asset),
  created_at: time(s.createdAt),
});

export const subnetRecord = (row: SubnetsTable): SubnetRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  chainId: row.chain_id,
  asset: assetRecord(row),
  createdAt: date(row.created_at),
});

export const accountRow = (a: AccountRecord): AccountsTable => ({
  id: a.id,
  tenant_id: a.tenantId,
  subnet_id: a.subnetId,
  chain_id: a.chainId,
  address: a.address,
  label: a.label,
  custody: a.custody,
  key_id: a.keyId,
  created_at: time(a.createdAt),
});

export const accountRecord = (row: AccountsTable): AccountRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  subnetId: row.subnet_id,
  chainId: row.chain_id,
  address: row.address,
  label: row.label,
  custody: row.custody as AccountRecord["custody"],
  keyId: row.key_id,
  createdAt: date(row.created_at),
});

export const paymentRow = (p: PaymentRecord): PaymentsTable => ({
  id: p.id,
  tenant_id: p.tenantId,
  direction: p.direction,
  account_id: p.accountId,
  subnet_id: p.subnetId,
  chain_id: p.chainId,
  ...assetColumns(p.asset),
  amount: p.amount.toString(),
  from_address: p.fromAddress,
  to_address: p.toAddress,
  to_account_id: p.toAccountId,
  memo: p.memo,
  status: p.status,
  tx_hash: p.txHash,
  raw_transaction: p.rawTransaction,
  nonce: p.nonce,
  valid_until_height: p.validUntilHeight,
  block_height: p.blockHeight,
  block_hash: p.blockHash,
  transfer_index: bigintOrNull(p.transferIndex),
  confirmations: BigInt(p.confirmations),
  fee: p.fee === null ? null : p.fee.toString(),
  error_code: p.errorCode,
  error_message: p.errorMessage,
  idempotency_key: p.idempotencyKey,
  input_hash: p.inputHash,
  created_at: time(p.createdAt),
  updated_at: time(p.updatedAt),
});

export const paymentRecord = (row: PaymentsTable): PaymentRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  direction: row.direction as PaymentRecord["direction"],
  accountId: row.account_id,
  subnetId: row.subnet_id,
  chainId: row.chain_id,
  asset: assetRecord(row),
  amount: BigInt(row.amount),
  fromAddress: row.from_address,
  toAddress: row.to_address,
  toAccountId: row.to_account_id,
  memo: row.memo,
  status: row.status as PaymentRecord["status"],
  txHash: row.tx_hash,
  rawTransaction: row.raw_transaction === null ? null : bytes(row.raw_transaction),
  nonce: row.nonce,
  validUntilHeight: row.valid_until_height,
  blockHeight: row.block_height,
  blockHash: row.block_hash,
  transferIndex: numberOrNull(row.transfer_index),
  confirmations: Number(row.confirmations),
  fee: row.fee === null ? null : BigInt(row.fee),
  errorCode: row.error_code,
  errorMessage: row.error_message,
  idempotencyKey: row.idempotency_key,
  inputHash: row.input_hash,
  createdAt: date(row.created_at),
  updatedAt: date(row.updated_at),
});

/** An event row to insert: the database assigns the cursor. */
export const paymentEventRow = (e: NewPaymentEvent): Omit<PaymentEventsTable, "cursor"> => ({
  tenant_id: e.tenantId,
  payment_id: e.paymentId,
  account_id: e.accountId,
  subnet_id: e.subnetId,
  type: e.type,
  payment: encodePaymentSnapshot(e.payment),
  at: time(e.at),
});

/** An event row as read back: the cursor is assigned by then. */
export type PaymentEventRow = Omit<PaymentEventsTable, "cursor"> & { cursor: bigint };

export const paymentEventRecord = (row: PaymentEventRow): PaymentEventRecord => ({
  cursor: row.cursor,
  tenantId: row.tenant_id,
  paymentId: row.payment_id,
  accountId: row.account_id,
  subnetId: row.subnet_id,
  type: row.type as PaymentEventRecord["type"],
  payment: decodePaymentSnapshot(row.payment),
  at: date(row.at),
});

/** A write without a fence writes as fence 0: it stands only until the first fenced tracker writes. */
export const chainProgressRow = (p: ChainProgress): ChainProgressTable => ({
  chain_id: p.chainId,
  height: p.height,
  hash: p.hash,
  fence: p.fence ?? 0n,
});

export const chainProgressRecord = (row: ChainProgressTable): ChainProgress => ({
  chainId: row.chain_id,
  height: row.height,
  hash: row.hash,
  fence: row.fence,
});
