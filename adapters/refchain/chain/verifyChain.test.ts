import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { KeyPair } from "./keys.ts";
import { NATIVE_ASSET } from "./state.ts";
import { TestChain } from "./testChain.ts";
import { verifyChain } from "./verifyChain.ts";

/** Builds a closed chain with a few blocks of transfers and returns its directory and the heights that hold them. */
async function buildChain(): Promise<{
  chain: TestChain;
  alice: KeyPair;
  bob: KeyPair;
  transferHeights: bigint[];
}> {
  const chain = TestChain.open();
  const alice = await chain.fundedKey(1_000n);
  const bob = await chain.fundedKey(1_000n);
  const transferHeights: bigint[] = [];
  for (let i = 1n; i <= 5n; i++) {
    const info = await chain.send(alice, {
      kind: "transfer",
      asset: NATIVE_ASSET,
      to: bob.address,
      amount: i,
      memo: `payment ${i}`,
    });
    transferHeights.push(info.height as bigint);
  }
  await chain.node.close();
  return { chain, alice, bob, transferHeights };
}

describe("refchain verify", () => {
  let chain: TestChain;
  let bob: KeyPair;
  let heights: bigint[];
  let db: Database.Database;

  beforeEach(async () => {
    const built = await buildChain();
    chain = built.chain;
    bob = built.bob;
    heights = built.transferHeights;
    db = new Database(join(chain.dataDir, "refchain.db"));
  });
  afterEach(async () => {
    if (db.open) db.close();
    await chain.close();
  });

  const tamperedAt = () => {
    db.close();
    const report = verifyChain(chain.dataDir);
    expect(report.ok).toBe(false);
    return report.problem;
  };

  test("a sound directory verifies: every block, transaction and state leaf checked", () => {
    db.close();
    const report = verifyChain(chain.dataDir);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.transactions).toBe(7);
    expect(BigInt(report.blocks)).toBe((report.head?.height as bigint) + 1n);
    expect(report.stateLeaves).toBeGreaterThan(4);
  });

  test("a changed stored transaction names its block", () => {
    const target = heights[2] as bigint;
    const row = db.prepare("SELECT hash, raw FROM txs WHERE height = ?").get(target) as {
      hash: Buffer;
      raw: Buffer;
    };
    const raw = Buffer.from(row.raw);
    raw[raw.length - 70] = (raw[raw.length - 70] as number) ^ 1; // inside the memo, before the signature
    db.prepare("UPDATE txs SET raw = ? WHERE hash = ?").run(raw, row.hash);
    const problem = tamperedAt();
    expect(problem?.height).toBe(target);
    expect(problem?.message).toMatch(/transaction 0/);
  });

  test("a changed balance names the block that wrote it", () => {
    const writer = db
      .prepare("SELECT height FROM state WHERE key = ?")
      .get(`b|${bob.address}|${NATIVE_ASSET}`) as { height: bigint };
    db.prepare("UPDATE state SET value = '999999' WHERE key = ?").run(`b|${bob.address}|${NATIVE_ASSET}`);
    const problem = tamperedAt();
    expect(problem?.height).toBe(BigInt(writer.height));
    expect(problem?.height).toBe(heights[4]);
    expect(problem?.message).toMatch(/replay gives 1015/);
  });

  test("a broken block link names the block", () => {
    const target = heights[1] as bigint;
    // Point the block at another parent: its header, hash and signature no longer agree.
    const row = db.prepare("SELECT header FROM blocks WHERE height = ?").get(target) as { header: Buffer };
    const header = Buffer.from(row.header);
    const parentAt = 1 + 2 + "refchain:local".length + 8; // version, chain id, height
    header[parentAt] = (header[parentAt] as number) ^ 0xff;
    db.prepare("UPDATE blocks SET header = ? WHERE height = ?").run(header, target);
    expect(tamperedAt()?.height).toBe(target);
  });

  test("a removed transaction names its block", () => {
    const target = heights[3] as bigint;
    db.prepare("DELETE FROM txs WHERE height = ?").run(target);
    const problem = tamperedAt();
    expect(problem?.height).toBe(target);
    expect(problem?.message).toMatch(/stores 0 transactions/);
  });

  test("a changed stored block hash names that block", () => {
    const target = heights[0] as bigint;
    db.prepare("UPDATE blocks SET hash = zeroblob(32) WHERE height = ?").run(target - 1n);
    const problem = tamperedAt();
    expect(problem?.height).toBe(target - 1n);
    expect(problem?.message).toMatch(/stored hash/);
  });
});
