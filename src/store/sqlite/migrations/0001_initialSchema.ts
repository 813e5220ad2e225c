import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";
import type { MigrationDialect } from "./migrationDialect.ts";

// Representation (both dialects): ids and addresses are text; amounts and fees are decimal text,
// because they reach 2^256 and no integer column holds that; heights, nonces and times (epoch
// milliseconds) are bigint, which both dialects compare numerically; bytes are the dialect's blob.
// The event log's payment snapshot is JSON text (see paymentSnapshot.ts).

/** The asset a subnet moves or a payment moved, inline: an asset is small and never changes. */
const addAssetColumns = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
  table
    .addColumn("asset_id", "text", (c) => c.notNull())
    .addColumn("asset_chain_id", "text", (c) => c.notNull())
    .addColumn("asset_kind", "text", (c) => c.notNull())
    .addColumn("asset_symbol", "text", (c) => c.notNull())
    .addColumn("asset_decimals", "integer", (c) => c.notNull())
    .addColumn("asset_address", "text");

/** The first schema: tenants, credentials, vault keys, subnets, accounts, payments, event log, chain progress. */
export const initialSchema = (dialect: MigrationDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("tenants")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
      .addColumn("label", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_used_at", "bigint")
      .addColumn("revoked_at", "bigint")
      .execute();
    await db.schema.createIndex("api_keys_tenant").on("api_keys").columns(["tenant_id", "id"]).execute();

    await db.schema
      .createTable("vault_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("scheme", "text", (c) => c.notNull())
      .addColumn("public_key", dialect.bytes, (c) => c.notNull())
      .addColumn("sealed", dialect.bytes, (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();

    // One owner key per tenant and chain, set once: the primary key is what makes it set-once.
    await db.schema
      .createTable("owner_keys")
      .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
      .addColumn("chain_id", "text", (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.notNull().references("vault_keys.id"))
      .addPrimaryKeyConstraint("owner_keys_pk", ["tenant_id", "chain_id"])
      .execute();

    await db.schema
      .createTable("subnets")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("chain_id", "text", (c) => c.notNull())
      .$call(addAssetColumns)
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("subnets_tenant").on("subnets").columns(["tenant_id", "id"]).execute();

    await db.schema
      .createTable("accounts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
      .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id"))
      .addColumn("chain_id", "text", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("label", "text")
      .addColumn("custody", "text", (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.references("vault_keys.id"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("accounts_subnet").on("accounts").columns(["subnet_id", "id"]).execute();
    await db.schema.createIndex("accounts_address").on("accounts").columns(["chain_id", "address"]).execute();

    await db.schema
      .createTable("payments")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id"))
      .addColumn("direction", "text", (c) => c.notNull())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id"))
      .addColumn("chain_id", "text", (c) => c.notNull())
      .$call(addAssetColumns)
      .addColumn("amount", "text", (c) => c.notNull())
      .addColumn("from_address", "text", (c) => c.notNull())
      .addColumn("to_address", "text", (c) => c.notNull())
      .addColumn("to_account_id", "text", (c) => c.references("accounts.id"))
      .addColumn("memo", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("tx_hash", "text")
      .addColumn("raw_transaction", dialect.bytes)
      .addColumn("nonce", "bigint")
      .addColumn("valid_until_height", "bigint")
      .addColumn("block_height", "bigint")
      .addColumn("block_hash", "text")
      .addColumn("transfer_index", "integer")
      .addColumn("confirmations", "integer", (c) => c.notNull())
      .addColumn("fee", "text")
      .addColumn("error_code", "text")
      .addColumn("error_message", "text")
      .addColumn("idempotency_key", "text")
      .addColumn("input_hash", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    // The two uniqueness rules are the truth recordPayment and recordIncomingPayments lean on
    // (insert … on conflict do nothing); partial, so each binds only its own direction.
    await db.schema
      .createIndex("payments_idempotency")
      .on("payments")
      .columns(["tenant_id", "idempotency_key"])
      .unique()
      .where(sql.ref("direction"), "=", "OUTGOING")
      .execute();
    await db.schema
      .createIndex("payments_incoming_transfer")
      .on("payments")
      .columns(["account_id", "chain_id", "tx_hash", "transfer_index"])
      .unique()
      .where(sql.ref("direction"), "=", "INCOMING")
      .execute();
    // Lists page by id within a tenant, an account or a subnet; the tracker looks payments up by
    // transaction hash and follows the open ones per chain.
    await db.schema.createIndex("payments_tenant").on("payments").columns(["tenant_id", "id"]).execute();
    await db.schema.createIndex("payments_account").on("payments").columns(["account_id", "id"]).execute();
    await db.schema.createIndex("payments_subnet").on("payments").columns(["subnet_id", "id"]).execute();
    await db.schema.createIndex("payments_tx_hash").on("payments").columns(["chain_id", "tx_hash"]).execute();
    await db.schema.createIndex("payments_status").on("payments").columns(["chain_id", "status"]).execute();

    await db.schema
      .createTable("payment_events")
      .addColumn("cursor", dialect.cursor.type, dialect.cursor.build)
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("payment_id", "text", (c) => c.notNull().references("payments.id"))
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("subnet_id", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("payment", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .execute();
    // Subscriptions replay a tenant's log (optionally one account's) from a cursor.
    await db.schema
      .createIndex("payment_events_tenant")
      .on("payment_events")
      .columns(["tenant_id", "cursor"])
      .execute();
    await db.schema
      .createIndex("payment_events_account")
      .on("payment_events")
      .columns(["account_id", "cursor"])
      .execute();

    await db.schema
      .createTable("chain_progress")
      .addColumn("chain_id", "text", (c) => c.primaryKey())
      .addColumn("height", "bigint", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      "chain_progress",
      "payment_events",
      "payments",
      "accounts",
      "subnets",
      "owner_keys",
      "vault_keys",
      "api_keys",
      "tenants",
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
});
