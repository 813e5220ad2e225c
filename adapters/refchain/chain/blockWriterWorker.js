// The block writer's thread: commits blocks to the chain file on its own SQLite connection, one
// SQLite transaction per block, and answers each on the port it was given. Plain JavaScript so that
// it loads in a worker without a TypeScript loader; the SQL and pragmas come from storage.ts.

import { workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, pragmas, sql, done, port } = workerData;
const db = new Database(file);
for (const pragma of pragmas) db.pragma(pragma);
const insertBlock = db.prepare(sql.insertBlock);
const insertTx = db.prepare(sql.insertTx);
const upsertLeaf = db.prepare(sql.upsertLeaf);

const commit = db.transaction((block) => {
  insertBlock.run(block.height, block.hash, block.header, block.signature);
  // Transactions arrive packed: hash (32) || raw, back to back, ending at txEnds[i].
  const bytes = Buffer.from(block.txBytes.buffer, block.txBytes.byteOffset, block.txBytes.byteLength);
  let at = 0;
  for (let i = 0; i < block.receipts.length; i++) {
    const end = block.txEnds[i];
    insertTx.run(
      bytes.subarray(at, at + 32),
      block.height,
      i,
      bytes.subarray(at + 32, end),
      block.receipts[i],
    );
    at = end;
  }
  for (let i = 0; i < block.leafKeys.length; i++)
    upsertLeaf.run(block.leafKeys[i], block.leafValues[i], block.height);
});

port.on("message", (block) => {
  if (block === "close") {
    db.close();
    port.close();
    return;
  }
  let reply;
  try {
    commit(block);
    reply = { seq: block.seq };
  } catch (error) {
    reply = {
      seq: block.seq,
      error: { message: error instanceof Error ? error.message : String(error), code: error?.code },
    };
  }
  // The answer goes on the port before the counter moves: a thread blocked on the counter then finds it there.
  port.postMessage(reply);
  Atomics.store(done, 0, block.seq);
  Atomics.notify(done, 0);
});
