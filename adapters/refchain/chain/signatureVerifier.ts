import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Transaction } from "./transaction.ts";

const RECORD = 128;
// Below this a batch is not worth splitting across workers: the message costs more than it saves.
const MIN_CHUNK = 16;
const WORKER_URL = new URL("./verifyWorker.js", import.meta.url);

interface VerifyThread {
  worker: Worker;
  /** Batches sent and not yet answered, oldest first: a worker answers in the order it was asked. */
  queue: { records: number; resolve: (results: Uint8Array) => void; reject: (error: unknown) => void }[];
  /** Records in the queue: where the next batch goes. */
  load: number;
  /** Why the worker is gone, if it is (and was not replaced): batches sent to it fail with this. */
  failure?: unknown;
}

/**
 * Verifies transaction signatures on worker threads, one per core by default. Signatures travel in
 * batches of fixed records, transferred (not copied) to a worker, so one message carries hundreds of
 * signatures; a batch is split across all workers. Each worker works through its batches first in,
 * first out, so batches finish in the order they were sent, which is the order the node admits them.
 * (A general pool hands tasks to whichever worker is free and finishes them out of order: a node
 * waiting on the oldest batch then idles while later ones are done.)
 */
export class SignatureVerifier {
  readonly #threads: VerifyThread[] = [];
  #closed = false;

  constructor(threads = availableParallelism()) {
    for (let i = 0; i < Math.max(1, threads); i++) this.#threads.push(this.#spawn());
  }

  #spawn(): VerifyThread {
    const thread: VerifyThread = {
      worker: new Worker(WORKER_URL, { workerData: { refchainVerifier: true } }),
      queue: [],
      load: 0,
    };
    thread.worker.on("message", (results: Uint8Array) => {
      const task = thread.queue.shift();
      if (!task) return;
      thread.load -= task.records;
      if (thread.queue.length === 0) thread.worker.unref();
      task.resolve(results);
    });
    let started = false;
    thread.worker.once("online", () => {
      started = true;
    });
    const fail = (error: unknown) => {
      thread.failure ??= error;
      for (const task of thread.queue.splice(0)) task.reject(error);
      thread.load = 0;
      // Replace a worker that died, so later batches still verify; not one that never started (the
      // replacement would fail the same way, forever).
      const index = this.#threads.indexOf(thread);
      if (!this.#closed && started && index >= 0) this.#threads[index] = this.#spawn();
    };
    thread.worker.on("error", fail);
    thread.worker.on("exit", (code) => fail(new Error(`signature verifier thread exited with code ${code}`)));
    // An idle worker must not keep the process alive; a busy one must, or an awaited batch never ends.
    // (After the listeners: adding a "message" listener refs it again.)
    thread.worker.unref();
    return thread;
  }

  /**
   * Many transactions at once: one byte per transaction, 1 if its signature is the sender's. One
   * promise for the lot: a promise per signature costs the main thread more than the batching saves.
   */
  verifyBatch(txs: readonly Transaction[]): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error("the signature verifier is closed"));
    if (txs.length === 0) return Promise.resolve(new Uint8Array(0));
    const parts = Math.min(this.#threads.length, Math.ceil(txs.length / MIN_CHUNK));
    const chunk = Math.ceil(txs.length / parts);
    // The least loaded workers take the chunks.
    const threads = [...this.#threads].sort((a, b) => a.load - b.load);
    const results: Promise<Uint8Array>[] = [];
    for (let start = 0, p = 0; start < txs.length; start += chunk, p++) {
      results.push(this.#send(threads[p] as VerifyThread, txs, start, Math.min(txs.length, start + chunk)));
    }
    if (results.length === 1) return results[0] as Promise<Uint8Array>;
    return Promise.all(results).then((answers) => {
      const all = new Uint8Array(txs.length);
      let offset = 0;
      for (const part of answers) {
        all.set(part, offset);
        offset += part.length;
      }
      return all;
    });
  }

  #send(thread: VerifyThread, txs: readonly Transaction[], start: number, end: number): Promise<Uint8Array> {
    if (thread.failure !== undefined) return Promise.reject(thread.failure);
    const records = new Uint8Array((end - start) * RECORD);
    for (let i = start; i < end; i++) {
      const tx = txs[i] as Transaction;
      const at = (i - start) * RECORD;
      records.set(tx.fromKey, at);
      records.set(tx.hashBytes, at + 32);
      records.set(tx.signature, at + 64);
    }
    return new Promise((resolve, reject) => {
      thread.queue.push({ records: end - start, resolve, reject });
      thread.load += end - start;
      if (thread.queue.length === 1) thread.worker.ref();
      thread.worker.postMessage(records, [records.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }
}
