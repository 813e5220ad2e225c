// What the src/events tests share: a real SQLite store in a temporary directory, a memory bus, and
// (for the tracker) the real refchain adapter over an in-process node. Test-only; nothing imports it
// outside *.test.ts.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefchainAdapters } from "../../adapters/refchain/adapter/createRefchainAdapters.ts";
import { KeyPair } from "../../adapters/refchain/chain/keys.ts";
import type { ChainAdapter, Signer } from "../../adapters/types.ts";
import { keyPairSigner } from "../../test/conformance/keyPairSigner.ts";
import { newId } from "../ids.ts";
import { createLogger, type Logger } from "../logger.ts";
import { newOutgoingPayment as recordOutgoingPayment } from "../modules/payment/newOutgoingPayment.ts";
import { toAssetRecord } from "../modules/subnet/subnet.service.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type {
  AccountRecord,
  AssetRecord,
  PaymentRecord,
  Store,
  SubnetRecord,
  TenantRecord,
} from "../store/store.ts";
import type { EventBus } from "./eventBus.ts";

import { createMemoryEventBus } from "./memoryEventBus.ts";
import { publishCommittedEvents } from "./publishCommittedEvents.ts";

export interface StoreBed {
  store: Store;
  bus: EventBus;
  logger: Logger;
  close(): Promise<void>;
}

export interface ChainBed extends StoreBed {
  adapter: ChainAdapter;
  /** The native asset, as a subnet records it. */
  native: AssetRecord;
}

export async function openStoreBed(): Promise<StoreBed> {
  const dir = mkdtempSync(join(tmpdir(), "events-test-"));
  const store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
  const logger = createLogger("silent");
  const bus = createMemoryEventBus({ logger });
  publishCommittedEvents(store, bus);
  return {
    store,
    bus,
    logger,
    async close() {
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Blocks come every `blockTimeMs` (empty ones too), so confirmations advance on their own. */
export async function openChainBed(blockTimeMs = 20): Promise<ChainBed> {
  const dir = mkdtempSync(join(tmpdir(), "events-chain-test-"));
  const store = await openSqliteStore({ path: join(dir, "gateway.sqlite") });
  const [adapter] = await createRefchainAdapters({
    dataDir: dir,
    env: { REFCHAIN_BLOCK_TIME_MS: String(blockTimeMs) },
  });
  if (adapter === undefined) throw new Error("createRefchainAdapters returned no adapter");
  const logger = createLogger("silent");
  const bus = createMemoryEventBus({ logger });
  publishCommittedEvents(store, bus);
  return {
    store,
    bus,
    logger,
    adapter,
    native: assetRecord(adapter.description.nativeAsset),
    async close() {
      await bus.close();
      await adapter.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const assetRecord = toAssetRecord;

/** An asset for tests that need no chain. */
export const testAsset: AssetRecord = {
  id: "refchain:test/native",
  chainId: "refchain:test",
  kind: "NATIVE",
  symbol: "REF",
  decimals: 6,
  address: null,
};

export async function seedTenant(store: Store, name = "tenant"): Promise<TenantRecord> {
  const tenant: TenantRecord = { id: newId("ten"), name, createdAt: new Date() };
  await store.createTenant(tenant, {
    id: newId("key"),
    tenantId: tenant.id,
    label: "test",
    secretHash: randomBytes(32).toString("hex"),
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  });
  return tenant;
}

export async function seedSubnet(
  store: Store,
  tenant: TenantRecord,
  asset: AssetRecord,
): Promise<SubnetRecord> {
  const subnet: SubnetRecord = {
    id: newId("sub"),
    tenantId: tenant.id,
    name: `subnet ${asset.symbol}`,
    chainId: asset.chainId,
    asset,
    createdAt: new Date(),
  };
  await store.createSubnet(subnet);
  return subnet;
}

/** An EXTERNAL account on a new key; the key stays with the test, which signs for it. */
export async function seedAccount(
  store: Store,
  subnet: SubnetRecord,
): Promise<{ account: AccountRecord; key: KeyPair; signer: Signer }> {
  const key = KeyPair.generate();
  const account: AccountRecord = {
    id: newId("acc"),
    tenantId: subnet.tenantId,
    subnetId: subnet.id,
    chainId: subnet.chainId,
    address: key.address,
    label: null,
    custody: "EXTERNAL",
    keyId: null,
    createdAt: new Date(),
  };
  await store.createAccount(account);
  return { account, key, signer: keyPairSigner(key) };
}

/** A new OUTGOING payment from `account`, PENDING, not yet signed: the fields sendPayment would record. */
export function newOutgoingPayment(
  account: AccountRecord,
  subnet: SubnetRecord,
  fields: Partial<PaymentRecord> & { toAddress: string; amount: bigint },
): PaymentRecord {
  return {
    ...recordOutgoingPayment({
      from: account,
      asset: subnet.asset,
      amount: fields.amount,
      toAddress: fields.toAddress,
      idempotencyKey: newId("key"),
      inputHash: randomBytes(32).toString("hex"),
    }),
    ...fields,
  };
}

/** Records a payment, as the payment service does (the store then announces its CREATED event on the bus). */
export async function recordAndPublish(
  store: Store,
  _bus: EventBus,
  payment: PaymentRecord,
): Promise<PaymentRecord> {
  const result = await store.recordPayment(payment);
  if (!result.created) throw new Error(`payment ${payment.id}: idempotency key already used`);
  return result.payment;
}

/** Pulls `count` items from an iterator (then stops pulling, without ending it). */
export async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
