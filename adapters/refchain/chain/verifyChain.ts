import type { KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decodeAddress } from "./address.ts";
import { type BlockHeader, decodeHeader, encodeHeader, hashHeader } from "./block.ts";
import { RefchainError } from "./errors.ts";
import { execute } from "./execute.ts";
import { type GenesisConfig, genesisHeader, genesisWrites } from "./genesis.ts";
import { publicKeyObject, verifySignature } from "./keys.ts";
import { merkleRoot } from "./merkle.ts";
import { encodeReceipt } from "./receipt.ts";
import { commitState, encodeLeaf, type LeafValue } from "./state.ts";
import { ChainStore } from "./storage.ts";
import { checkStateless, decodeTransaction } from "./transaction.ts";

export interface VerifyReport {
  ok: boolean;
  blocks: number;
  transactions: number;
  stateLeaves: number;
  head?: { height: bigint; hash: string };
  /** The first block where anything does not check out. */
  problem?: { height: bigint; message: string };
}

class Tampered extends Error {
  constructor(
    readonly height: bigint,
    message: string,
  ) {
    super(message);
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Replays a data directory from genesis and checks everything: each header's hash, signature and
 * link to its parent, each transaction's hash and signature, that each transaction is valid where it
 * stands, the transaction root, the receipts, the state commitment, and finally that the stored
 * state equals the replayed one. Reports the first block where anything was tampered with.
 */
export function verifyChain(dataDir: string): VerifyReport {
  if (!existsSync(join(dataDir, "refchain.db"))) throw new Error(`no refchain data in ${dataDir}`);
  const store = new ChainStore(dataDir);
  const report: VerifyReport = { ok: false, blocks: 0, transactions: 0, stateLeaves: 0 };
  try {
    replay(store, report);
    report.ok = true;
  } catch (error) {
    if (!(error instanceof Tampered)) throw error;
    report.problem = { height: error.height, message: error.message };
  } finally {
    store.close();
  }
  return report;
}

function replay(store: ChainStore, report: VerifyReport): void {
  const genesisText = store.getMeta("genesis");
  if (!genesisText) throw new Tampered(0n, "the genesis configuration is missing");
  const genesis = JSON.parse(genesisText) as GenesisConfig;
  const producerKey = decodeAddress(genesis.producer);
  const producer = publicKeyObject(producerKey);
  const faucet = {
    address: genesis.faucet.address,
    enabled: genesis.faucet.enabled,
    maxPerRequest: BigInt(genesis.faucet.maxPerRequest),
  };
  // One KeyObject per sender, parsed once: parsing costs about as much as verifying.
  const senderKeys = new Map<string, KeyObject>();
  const senderKey = (address: string, raw: Uint8Array) => {
    let key = senderKeys.get(address);
    if (!key) {
      key = publicKeyObject(raw);
      senderKeys.set(address, key);
    }
    return key;
  };
  const state = new Map<string, LeafValue>();
  const writtenAt = new Map<string, bigint>();
  const headHeight = store.headHeight();
  if (headHeight === undefined) throw new Tampered(0n, "there are no blocks");

  let parent: (BlockHeader & { hash: Uint8Array }) | undefined;
  for (let height = 0n; height <= headHeight; height++) {
    const fail = (message: string): never => {
      throw new Tampered(height, `block ${height}: ${message}`);
    };
    const row = store.rawBlock(height) ?? fail("is missing");
    let header: BlockHeader | undefined;
    try {
      header = decodeHeader(row.header);
    } catch {
      fail("its header does not decode");
    }
    if (!header) return;
    const hash = hashHeader(row.header);
    if (!same(hash, row.hash)) fail("its stored hash does not match its header");
    if (header.height !== height) fail(`its header says height ${header.height}`);
    if (header.chainId !== genesis.chainId) fail(`its header names chain ${header.chainId}`);
    if (!same(header.producer, producerKey)) fail("it was produced by a key other than the chain's producer");
    if (!verifySignature(producer, hash, row.signature)) fail("the producer's signature does not match");

    const writes = new Map<string, LeafValue>();
    const txs = store.transactionsOf(height);
    if (height === 0n) {
      if (!same(row.header, encodeHeader(genesisHeader(genesis, producerKey))))
        fail("the genesis block does not match the genesis configuration");
      if (txs.length > 0) fail("the genesis block holds transactions");
      for (const [key, value] of genesisWrites(genesis)) writes.set(key, value);
    } else {
      if (!parent) throw new Tampered(height, `block ${height}: has no parent`);
      if (!same(header.parentHash, parent.hash))
        fail(`its parent link does not match block ${height - 1n}'s hash`);
      if (header.timestamp < parent.timestamp) fail("its timestamp is before its parent's");
      if (txs.length !== header.txCount)
        fail(`it stores ${txs.length} transactions; its header says ${header.txCount}`);
      const hashes: Buffer[] = [];
      for (const [index, stored] of txs.entries()) {
        const where = `transaction ${index} (${stored.hash})`;
        if (stored.index !== index) fail(`${where} is out of place`);
        try {
          const tx = decodeTransaction(stored.raw);
          if (tx.hash !== stored.hash) fail(`${where}: its stored hash does not match its bytes`);
          checkStateless(tx, genesis.chainId);
          if (!verifySignature(senderKey(tx.from, tx.fromKey), tx.hashBytes, tx.signature))
            fail(`${where}: bad signature`);
          const read = (key: string) => (writes.has(key) ? writes.get(key) : state.get(key));
          const result = execute(tx, { read, height, faucet });
          if (encodeReceipt({ status: "success", events: result.events }) !== stored.receipt)
            fail(`${where}: its receipt does not match`);
          for (const [key, value] of result.writes) writes.set(key, value);
          hashes.push(tx.hashBytes as Buffer);
        } catch (error) {
          if (error instanceof RefchainError) fail(`${where} is not valid here: ${error.message}`);
          throw error;
        }
      }
      if (!same(merkleRoot(hashes), header.txRoot))
        fail("its transaction root does not match its transactions");
    }
    if (!same(commitState(parent?.stateRoot ?? new Uint8Array(32), writes), header.stateRoot)) {
      fail("its state commitment does not match the replayed state");
    }
    for (const [key, value] of writes) {
      state.set(key, value);
      writtenAt.set(key, height);
    }
    report.blocks++;
    report.transactions += txs.length;
    parent = { ...header, hash };
  }

  // The stored state must be exactly the replayed one; a difference names the block that claims to have written it.
  const seen = new Set<string>();
  let first: Tampered | undefined;
  const note = (height: bigint, message: string) => {
    if (!first || height < first.height) first = new Tampered(height, `block ${height}: ${message}`);
  };
  for (const row of store.iterateStateRows()) {
    seen.add(row.key);
    const replayed = state.get(row.key);
    if (replayed === undefined) note(row.height, `stored state has ${row.key}, which no block wrote`);
    else if (encodeLeaf(row.key, replayed) !== row.value) {
      note(
        writtenAt.get(row.key) ?? row.height,
        `stored ${row.key} = ${row.value}; replay gives ${encodeLeaf(row.key, replayed)}`,
      );
    } else if (writtenAt.get(row.key) !== row.height)
      note(row.height, `stored ${row.key} claims block ${row.height} wrote it`);
  }
  for (const key of state.keys()) if (!seen.has(key)) note(headHeight, `stored state lacks ${key}`);
  if (first) throw first;
  report.stateLeaves = state.size;
  if (parent) report.head = { height: parent.height, hash: hex(parent.hash) };
}
