import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { Transaction } from "./transaction.ts";

const RECORD = 128;
const MAX_BATCH = 256;

/**
 * Verifies transaction signatures on a pool of worker threads. Requests arriving in the same tick
 * are packed into batches of fixed records and transferred (not copied) to a worker, so one message
 * carries hundreds of signatures and every core verifies in parallel.
 */
export class SignatureVerifier {
  readonly #pool: Piscina;
  #pending: { tx: Transaction; resolve: (ok: boolean) => void; reject: (e: unknown) => void }[] = [];
  #scheduled = false;

  constructor(threads = availableParallelism()) {
    this.#pool = new Piscina({
      filename: new URL("./verifyWorker.js", import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Batches are already large; queue many so no worker waits on the main thread.
      concurrentTasksPerWorker: 1,
    });
  }

  verify(tx: Transaction): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ tx, resolve, reject });
      if (this.#pending.length >= MAX_BATCH) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const records = new Uint8Array(batch.length * RECORD);
    batch.forEach(({ tx }, i) => {
      records.set(tx.fromKey, i * RECORD);
      records.set(tx.hashBytes, i * RECORD + 32);
      records.set(tx.signature, i * RECORD + 64);
    });
    this.#pool.run(records, { transferList: [records.buffer] }).then(
      (results: Uint8Array) => batch.forEach((item, i) => item.resolve(results[i] === 1)),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
