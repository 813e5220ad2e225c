// The Store: everything the gateway keeps, behind one interface that speaks in records, never SQL.
// Services depend on this file only; sqlite/ implements it today, postgres/ will implement it with
// the same migrations and the same test suite (src/store/storeSuite.ts).
//
// Conventions: ids are opaque prefixed strings made by the services (src/ids.ts); amounts and
// heights are bigint; times are Date; bytes are Uint8Array. Every method is async. A write that
// returns has been committed durably.

import type { AssetInfo } from "../../adapters/types.ts";

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  label: string;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secretHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who did something the audit log records: the admin key, a tenant through one of its keys, or the gateway itself. */
export type AuditActor =
  | { kind: "admin" }
  | { kind: "tenant"; tenantId: string; apiKeyId: string }
  /** The gateway on its own behalf (the dev tenant made at start-up). */
  | { kind: "system" };

/** One admin or credential action: who, what, when. Never holds a secret. */
export interface AuditEntryRecord {
  /** `aud_…`: a ULID, so id order is time order. */
  id: string;
  at: Date;
  actor: AuditActor;
  /** What was done, `<object>.<verb>`: "tenant.create", "apiKey.create", "apiKey.revoke". */
  action: string;
  /** The id of what it was done to, when there is one. */
  targetId: string | null;
  /** The tenant it concerns, when there is one: what the log is filtered by. */
  tenantId: string | null;
  /** More about the action (a key's label, a tenant's name): JSON values, never secrets. */
  details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditFilter {
  /** Only entries about this tenant. */
  tenantId?: string;
}

/** A managed key, sealed by the vault: the store never sees a private key in the clear. */
export interface VaultKeyRecord {
  id: string;
  scheme: "ed25519" | "secp256k1";
  publicKey: Uint8Array;
  /** AES-256-GCM: nonce ‖ ciphertext ‖ tag, as the vault wrote it. */
  sealed: Uint8Array;
  createdAt: Date;
}

/**
 * A master key rotation under way (src/vault/rotateMasterKey.ts): while it is recorded, some vault
 * keys may be sealed under one master key and the rest under the other, and the gateway refuses to
 * start. Each master key is kept only as a check, a known text sealed under it, by which it is
 * recognised without being stored.
 */
export interface VaultRotationRecord {
  /** The master key the rotation started from, as a check. */
  fromKeyCheck: Uint8Array;
  /** The master key it moves every vault key to, as a check. */
  toKeyCheck: Uint8Array;
  startedAt: Date;
}

/** The asset a subnet moves, as the chain described it (adapters/types.ts) when the subnet was created. */
export type AssetRecord = AssetInfo;

export interface SubnetRecord {
  id: string;
  tenantId: string;
  name: string;
  chainId: string;
  asset: AssetRecord;
  createdAt: Date;
}

export type Custody = "MANAGED" | "EXTERNAL";

export interface AccountRecord {
  id: string;
  tenantId: string;
  subnetId: string;
  chainId: string;
  /** Canonical form (adapter.normalizeAddress). */
  address: string;
  label: string | null;
  custody: Custody;
  /** The vault key of a MANAGED account; null for EXTERNAL. */
  keyId: string | null;
  createdAt: Date;
}

export type PaymentStatus = "PENDING" | "SUBMITTED" | "CONFIRMED" | "FINALIZED" | "FAILED";
export type PaymentDirection = "OUTGOING" | "INCOMING";
export type PaymentEventType =
  | "CREATED"
  | "SUBMITTED"
  | "CONFIRMED"
  | "FINALIZED"
  | "FAILED"
  | "RECEIVED"
  | "REORGED";

/**
 * One tenant's view of one value movement. A payment from tenant A to tenant B is two records: A's
 * OUTGOING one (made by sendPayment) and B's INCOMING one (made by the tracker when the chain shows
 * the transfer). `accountId` is the tenant's own account: the sender of an OUTGOING payment, the
 * receiver of an INCOMING one.
 */
export interface PaymentRecord {
  id: string;
  tenantId: string;
  direction: PaymentDirection;
  accountId: string;
  subnetId: string;
  chainId: string;
  asset: AssetRecord;
  /** Base units. */
  amount: bigint;
  fromAddress: string;
  toAddress: string;
  /** The caller's receiving account when the payment targeted one by id (OUTGOING), else null. */
  toAccountId: string | null;
  memo: string | null;
  status: PaymentStatus;
  /** OUTGOING: the signed transaction, stored before it is broadcast (write-ahead). */
  txHash: string | null;
  rawTransaction: Uint8Array | null;
  nonce: bigint | null;
  validUntilHeight: bigint | null;
  blockHeight: bigint | null;
  blockHash: string | null;
  /** Position of the transfer in its block (INCOMING): with txHash, what makes it unique. */
  transferIndex: number | null;
  confirmations: number;
  fee: bigint | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** OUTGOING only. Unique per tenant. */
  idempotencyKey: string | null;
  /** SHA-256 of the canonical input, hex: tells a replay (same) from a conflict (different). */
  inputHash: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A status change, appended to the event log in the same transaction as the change itself. */
export interface PaymentEventRecord {
  /** Monotonically increasing across the whole log; assigned by the store. */
  cursor: bigint;
  tenantId: string;
  paymentId: string;
  accountId: string;
  subnetId: string;
  type: PaymentEventType;
  /** The payment as it was right after this change. */
  payment: PaymentRecord;
  at: Date;
}

export type NewPaymentEvent = Omit<PaymentEventRecord, "cursor">;

/** A page of a list, in the list's order, for Relay connections. Cursors are opaque to callers. */
export interface Page<T> {
  items: T[];
  /** One cursor per item, for `edges { cursor }`. */
  cursors: string[];
  hasNextPage: boolean;
}

export interface PageRequest {
  /** At most this many items (the service clamps it). */
  first: number;
  /** Items after this cursor (from a previous page). */
  after?: string | null;
}

export interface PaymentFilter {
  tenantId: string;
  accountId?: string;
  subnetId?: string;
  direction?: PaymentDirection;
  status?: PaymentStatus;
}

export interface EventFilter {
  tenantId: string;
  accountId?: string;
  subnetId?: string;
  /** Events with a cursor strictly greater than this. */
  after: bigint;
  limit: number;
}

/** The outcome of recording a new OUTGOING payment under its idempotency key. */
export type RecordPaymentResult =
  | { created: true; payment: PaymentRecord; event: PaymentEventRecord }
  /** The key was already used: `payment` is the one recorded with it (compare inputHash). */
  | { created: false; payment: PaymentRecord };

/** A change to an existing payment and the one event that records it. */
export interface PaymentChange {
  paymentId: string;
  patch: Partial<
    Pick<
      PaymentRecord,
      | "status"
      | "txHash"
      | "rawTransaction"
      | "nonce"
      | "validUntilHeight"
      | "blockHeight"
      | "blockHash"
      | "confirmations"
      | "fee"
      | "errorCode"
      | "errorMessage"
    >
  >;
  /** The event to append; null for a change no subscriber needs to see (confirmation counts). */
  eventType: PaymentEventType | null;
  at: Date;
}

/** Where the tracker stands on one chain: the last block it has fully applied. */
export interface ChainProgress {
  chainId: string;
  height: bigint;
  hash: string;
  /**
   * The fencing token of the tracker that wrote it; 0 / absent for a gateway without leases. A write
   * whose fence is below the stored one is refused (StaleFenceError): its writer lost its lease.
   */
  fence?: bigint;
}

/** What claimChainProgress hands the new lease holder: its fencing token and where the chain stands. */
export interface ChainClaim {
  /** The token to write with: above every fence stored for the chain so far. */
  fence: bigint;
  /** The chain's progress, carrying `fence`; null before any progress was stored. */
  progress: ChainProgress | null;
}

export interface Store {
  // Tenants and credentials.
  /** Creates a tenant and its first API key in one transaction (with `audit`, when given). */
  createTenant(tenant: TenantRecord, apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void>;
  getTenants(ids: readonly string[]): Promise<(TenantRecord | null)[]>;
  listTenants(page: PageRequest): Promise<Page<TenantRecord>>;
  /** Adds a key, and `audit` in the same transaction when given. */
  createApiKey(apiKey: ApiKeyRecord, audit?: AuditEntryRecord): Promise<void>;
  /** The key with this secret hash, revoked or not, or null. */
  findApiKeyBySecretHash(secretHash: string): Promise<ApiKeyRecord | null>;
  getApiKeys(ids: readonly string[]): Promise<(ApiKeyRecord | null)[]>;
  /** Every key of the tenant, revoked ones too, oldest first. */
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /**
   * Sets the key's revokedAt to `at` unless it is already set (then changes nothing: revoking is
   * idempotent). `audit` is appended in the same transaction, only when this call revoked the key.
   * Returns the key as it now stands, or null when there is no such key.
   */
  revokeApiKey(id: string, at: Date, audit?: AuditEntryRecord): Promise<ApiKeyRecord | null>;
  /** Moves the key's lastUsedAt forward to `at` (never back). Callers throttle it: it is a write. */
  recordApiKeyUse(id: string, at: Date): Promise<void>;
  /** Appends to the audit log (for actions with no other write to share a transaction with). */
  appendAuditEntry(entry: AuditEntryRecord): Promise<void>;
  /** The audit log, newest first. */
  listAuditEntries(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryRecord>>;

  // The vault's sealed keys.
  putVaultKey(key: VaultKeyRecord): Promise<void>;
  getVaultKey(id: string): Promise<VaultKeyRecord | null>;
  /** Any one sealed key, to check the master key at start-up; null when the vault is empty. */
  anyVaultKey(): Promise<VaultKeyRecord | null>;
  /** Up to `limit` vault keys in id order, starting after the id `after` (null: from the first). */
  listVaultKeys(after: string | null, limit: number): Promise<VaultKeyRecord[]>;
  /**
   * Sets key `id`'s sealed bytes to `sealed` only if they are still `expectedSealed` (compare and
   * set, one row): false when they were not (changed meanwhile) or there is no such key.
   */
  replaceVaultKeySealed(id: string, expectedSealed: Uint8Array, sealed: Uint8Array): Promise<boolean>;
  /** The master key rotation under way, or null. */
  getVaultRotation(): Promise<VaultRotationRecord | null>;
  /** Records `rotation` unless one is already recorded; returns the one in force. */
  beginVaultRotation(rotation: VaultRotationRecord): Promise<VaultRotationRecord>;
  /** Forgets the rotation under way (nothing when there is none). */
  endVaultRotation(): Promise<void>;
  /** The vault key that owns `tenantId`'s assets on `chainId`, or null. */
  getOwnerKeyId(tenantId: string, chainId: string): Promise<string | null>;
  /** Records the owner key unless one exists; returns the one in force. */
  setOwnerKeyId(tenantId: string, chainId: string, keyId: string): Promise<string>;

  // Subnets and accounts. Reads by id return nulls in the order asked (DataLoader-shaped).
  createSubnet(subnet: SubnetRecord): Promise<void>;
  getSubnets(ids: readonly string[]): Promise<(SubnetRecord | null)[]>;
  listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>>;
  createAccount(account: AccountRecord): Promise<void>;
  getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]>;
  listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>>;
  /** Every account, of any tenant, on `chainId` whose address is one of `addresses`. */
  findAccountsByAddress(chainId: string, addresses: readonly string[]): Promise<AccountRecord[]>;

  // Payments and their event log.
  /**
   * Records a new OUTGOING payment and its CREATED event, unless the tenant already used
   * `payment.idempotencyKey`: then returns the payment recorded with it. Safe under concurrent
   * calls with the same key: exactly one is created. A payment recorded with status SUBMITTED (its
   * signed transaction already in it, not yet broadcast) gets a SUBMITTED event after CREATED, in
   * the same write; `event` is the CREATED one.
   */
  recordPayment(payment: PaymentRecord): Promise<RecordPaymentResult>;
  /** The tenant's OUTGOING payment made with `idempotencyKey`, or null. */
  findPaymentByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<PaymentRecord | null>;
  /**
   * Records INCOMING payments with a RECEIVED event each, skipping any already recorded for the same
   * (accountId, chainId, txHash, transferIndex). Returns the events appended.
   */
  recordIncomingPayments(payments: readonly PaymentRecord[]): Promise<PaymentEventRecord[]>;
  /**
   * Applies changes in one transaction, each with its event, and, when given, moves the chain's
   * progress in the same transaction (a block is applied whole or not at all). Returns the events.
   * Rejects with StaleFenceError, keeping nothing (no change, no event), when `progress.fence` is
   * below the chain's stored fence.
   */
  applyPaymentChanges(
    changes: readonly PaymentChange[],
    progress?: ChainProgress,
  ): Promise<PaymentEventRecord[]>;
  getPayments(ids: readonly string[]): Promise<(PaymentRecord | null)[]>;
  /** Newest first. */
  listPayments(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>>;
  /** OUTGOING payments on `chainId` with one of these transaction hashes. */
  findPaymentsByTxHash(chainId: string, txHashes: readonly string[]): Promise<PaymentRecord[]>;
  /** Payments on `chainId` not yet FINALIZED or FAILED, oldest first: what the tracker and recovery follow. */
  listOpenPayments(chainId: string): Promise<PaymentRecord[]>;
  /** Events matching the filter, in cursor order. */
  readEvents(filter: EventFilter): Promise<PaymentEventRecord[]>;
  /** The cursor of the newest event in the log (0 when empty): where a live-only subscription starts. */
  latestEventCursor(): Promise<bigint>;

  /**
   * Calls `listener` once per commit with the events that commit appended, in cursor order, after
   * they are durable and before the writers hear back. This is how events reach the bus: in commit
   * order, exactly once per process, whoever wrote them. Returns a function that stops the calls.
   */
  onEventsCommitted(listener: (events: readonly PaymentEventRecord[]) => void): () => void;

  /** The chain's progress with the fence that wrote it (0n when none did), or null before any write. */
  getChainProgress(chainId: string): Promise<ChainProgress | null>;
  /** Rejects with StaleFenceError, keeping nothing, when `progress.fence` is below the stored fence. */
  setChainProgress(progress: ChainProgress): Promise<void>;
  /**
   * A tracker taking over a chain: raises the chain's stored fence to max(stored + 1, atLeast) in one
   * atomic write and returns it with the progress as it stands. From then on a write with any lower
   * fence is refused, so of two trackers that both believe they lead, only the later claimer writes.
   * With no progress stored yet (the chain's first start) nothing is written: the fence is `atLeast`
   * and progress null; the first setChainProgress records it.
   */
  claimChainProgress(chainId: string, atLeast: bigint): Promise<ChainClaim>;

  close(): Promise<void>;
}
