import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { decodeHeader, type SealedBlockHeader } from "./block.ts";
import { decodeLeaf, encodeLeaf, type LeafValue } from "./state.ts";

export interface StoredTransaction {
  hash: string;
  height: bigint;
  index: number;
  raw: Uint8Array;
  receipt: string;
}

export interface BlockWrite {
  header: SealedBlockHeader;
  encodedHeader: Uint8Array;
  txs: { hash: Uint8Array; raw: Uint8Array; receipt: string }[];
  writes: ReadonlyMap<string, LeafValue>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, header BLOB NOT NULL, signature BLOB NOT NULL);
-- Keyed by position so a block's transactions append to the end of the table; only the small hash
-- index takes random inserts. (Keyed by hash, every block rewrote pages all over the table: 3x slower.)
CREATE TABLE IF NOT EXISTS txs (
  height INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, raw BLOB NOT NULL, receipt TEXT NOT NULL,
  PRIMARY KEY (height, idx)
) WITHOUT ROWID;
-- Every state leaf (see state.ts for the key layout) with the height of the block that last wrote it.
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL, height INTEGER NOT NULL) WITHOUT ROWID;
`;

/** How every connection to the chain file is set up. synchronous is per connection: the block writer's too. */
export const CONNECTION_PRAGMAS = ["journal_mode = WAL", "synchronous = FULL"] as const;

/** What committing a block writes, shared with the block writer thread (blockWriter.ts). */
export const WRITE_SQL = {
  insertBlock: "INSERT INTO blocks (height, hash, header, signature) VALUES (?, ?, ?, ?)",
  insertTx: "INSERT INTO txs (hash, height, idx, raw, receipt) VALUES (?, ?, ?, ?, ?)",
  upsertLeaf:
    "INSERT INTO state (key, value, height) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, height = excluded.height",
} as const;

export const chainFile = (dataDir: string) => join(dataDir, "refchain.db");

/**
 * The node's durable storage: one SQLite file in WAL mode with synchronous=FULL, so a committed
 * block survives kill -9 and power loss. A block, its transactions, receipts and state writes
 * commit in one SQLite transaction: after a crash the file holds whole blocks only.
 */
export class ChainStore {
  readonly db: Database.Database;
  readonly #insertBlock: Database.Statement;
  readonly #insertTx: Database.Statement;
  readonly #upsertLeaf: Database.Statement;
  readonly #txByHash: Database.Statement;
  readonly #blockByHeight: Database.Statement;
  readonly #blockByHash: Database.Statement;
  readonly #txsOfBlock: Database.Statement;
  readonly #commit: (block: BlockWrite) => void;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(chainFile(dataDir));
    for (const pragma of CONNECTION_PRAGMAS) this.db.pragma(pragma);
    this.db.defaultSafeIntegers(true);
    this.db.exec(SCHEMA);
    // Data directories from before the position key keep their layout (same columns, same queries):
    // their table is keyed by hash already and has txs_by_position, so it needs no second hash index.
    const legacy = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'txs_by_position'").get();
    if (!legacy) this.db.exec("CREATE UNIQUE INDEX IF NOT EXISTS txs_by_hash ON txs (hash)");
    this.#insertBlock = this.db.prepare(WRITE_SQL.insertBlock);
    this.#insertTx = this.db.prepare(WRITE_SQL.insertTx);
    this.#upsertLeaf = this.db.prepare(WRITE_SQL.upsertLeaf);
    this.#txByHash = this.db.prepare("SELECT height, idx, raw, receipt FROM txs WHERE hash = ?");
    this.#blockByHeight = this.db.prepare("SELECT hash, header, signature FROM blocks WHERE height = ?");
    this.#blockByHash = this.db.prepare("SELECT hash, header, signature FROM blocks WHERE hash = ?");
    this.#txsOfBlock = this.db.prepare(
      "SELECT hash, idx, raw, receipt FROM txs WHERE height = ? ORDER BY idx",
    );
    this.#commit = this.db.transaction((block: BlockWrite) => {
      const { header } = block;
      this.#insertBlock.run(header.height, header.hash, block.encodedHeader, header.signature);
      block.txs.forEach((tx, index) => {
        this.#insertTx.run(tx.hash, header.height, index, tx.raw, tx.receipt);
      });
      for (const [key, value] of block.writes)
        this.#upsertLeaf.run(key, encodeLeaf(key, value), header.height);
    });
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  /** Commits a block with everything it does, durably, or nothing of it. */
  commitBlock(block: BlockWrite): void {
    this.#commit(block);
  }

  loadState(): Map<string, LeafValue> {
    const state = new Map<string, LeafValue>();
    for (const row of this.db.prepare("SELECT key, value FROM state").iterate() as Iterable<{
      key: string;
      value: string;
    }>) {
      state.set(row.key, decodeLeaf(row.key, row.value));
    }
    return state;
  }

  /** Every stored leaf with the height of the block that last wrote it, for verification. */
  *iterateStateRows(): Generator<{ key: string; value: string; height: bigint }> {
    yield* this.db.prepare("SELECT key, value, height FROM state ORDER BY key").iterate() as Iterable<{
      key: string;
      value: string;
      height: bigint;
    }>;
  }

  headHeight(): bigint | undefined {
    const row = this.db.prepare("SELECT max(height) AS h FROM blocks").get() as { h: bigint | null };
    return row.h ?? undefined;
  }

  #toHeader(
    row: { hash: Uint8Array; header: Uint8Array; signature: Uint8Array } | undefined,
  ): SealedBlockHeader | undefined {
    if (!row) return undefined;
    return { ...decodeHeader(row.header), hash: row.hash, signature: row.signature };
  }

  blockByHeight(height: bigint): SealedBlockHeader | undefined {
    return this.#toHeader(this.#blockByHeight.get(height) as never);
  }

  blockByHash(hash: Uint8Array): SealedBlockHeader | undefined {
    return this.#toHeader(this.#blockByHash.get(hash) as never);
  }

  /** The stored header bytes and signature as they are on disk (verify re-hashes them). */
  rawBlock(height: bigint): { hash: Uint8Array; header: Uint8Array; signature: Uint8Array } | undefined {
    return this.#blockByHeight.get(height) as never;
  }

  transactionsOf(height: bigint): StoredTransaction[] {
    const rows = this.#txsOfBlock.all(height) as {
      hash: Uint8Array;
      idx: bigint;
      raw: Uint8Array;
      receipt: string;
    }[];
    return rows.map((r) => ({
      hash: Buffer.from(r.hash).toString("hex"),
      height,
      index: Number(r.idx),
      raw: r.raw,
      receipt: r.receipt,
    }));
  }

  transaction(hash: string): StoredTransaction | undefined {
    const row = this.#txByHash.get(Buffer.from(hash, "hex")) as
      | { height: bigint; idx: bigint; raw: Uint8Array; receipt: string }
      | undefined;
    if (!row) return undefined;
    return { hash, height: row.height, index: Number(row.idx), raw: row.raw, receipt: row.receipt };
  }

  close(): void {
    this.db.close();
  }
}
