// A worker thread of the refchain bench: signs transfers so that the run does not spend its first
// minute on one core signing. Loaded by bench/refchain.bench.ts, which runs under tsx; a worker
// inherits its --import, so this file may be TypeScript.
import { parentPort, workerData } from "node:worker_threads";
import { KeyPair } from "../adapters/refchain/chain/keys.ts";
import { signTransaction } from "../adapters/refchain/chain/transaction.ts";

export interface SignTransfersJob {
  chainId: string;
  /** Seeds of the senders this worker signs for. */
  seeds: Uint8Array[];
  /** Recipients, taken round-robin. */
  recipients: string[];
  firstNonce: number;
  perSender: number;
}

/** raws[s][k] is sender s's transaction with nonce firstNonce + k. */
export interface SignTransfersResult {
  raws: Uint8Array[][];
  hashes: string[][];
}

const job = workerData as SignTransfersJob;
const raws: Uint8Array[][] = [];
const hashes: string[][] = [];
let next = 0;
for (const seed of job.seeds) {
  const key = KeyPair.fromSeed(seed);
  const mine: Uint8Array[] = [];
  const mineHashes: string[] = [];
  for (let k = 0; k < job.perSender; k++) {
    const to = job.recipients[next++ % job.recipients.length] as string;
    const tx = signTransaction(
      {
        chainId: job.chainId,
        from: key.address,
        nonce: BigInt(job.firstNonce + k),
        expiry: 1_000_000n,
        payload: { kind: "transfer", asset: "REF", to, amount: 1n, memo: "" },
      },
      key,
    );
    mine.push(tx.raw);
    mineHashes.push(tx.hash);
  }
  raws.push(mine);
  hashes.push(mineHashes);
}
parentPort?.postMessage({ raws, hashes } satisfies SignTransfersResult);
