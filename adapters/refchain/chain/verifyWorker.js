// Verifies batches of ed25519 signatures off the main thread. Plain JavaScript so that it loads in a
// worker without a TypeScript loader. A batch is one buffer of fixed 128-byte records:
// public key (32) | message (32, the transaction hash) | signature (64). Answers one byte per record.
import { createPublicKey, verify } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const RECORD = 128;
// Parsing a key costs about as much as verifying with it: keep senders' KeyObjects, bounded.
const keys = new Map();
const MAX_KEYS = 50_000;

function keyFor(raw) {
  const id = raw.toString("latin1");
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
    keys.set(id, key);
  }
  return key;
}

export default function verifyBatch(records) {
  const buffer = Buffer.from(records.buffer, records.byteOffset, records.byteLength);
  const count = buffer.length / RECORD;
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD;
    try {
      results[i] = verify(
        null,
        buffer.subarray(at + 32, at + 64),
        keyFor(buffer.subarray(at, at + 32)),
        buffer.subarray(at + 64, at + 128),
      )
        ? 1
        : 0;
    } catch {
      results[i] = 0;
    }
  }
  return results;
}

// Started by SignatureVerifier (which marks its workers): each message is a batch, answered in the
// order received, so the verifier matches answers to batches by position.
if (parentPort && workerData?.refchainVerifier) {
  const port = parentPort;
  port.on("message", (records) => {
    const results = verifyBatch(records);
    port.postMessage(results, [results.buffer]);
  });
}
