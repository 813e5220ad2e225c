import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { encodeLeaf } from "./state.ts";
import { type BlockWrite, CONNECTION_PRAGMAS, chainFile, WRITE_SQL } from "./storage.ts";

interface PendingCommit {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Reply {
  seq: number;
  error?: { message: string; code?: string };
}

// A commit that has not answered in this long is taken for lost (the thread died): fail rather than hang.
const SETTLE_TIMEOUT_MS = 120_000;

/**
 * Commits blocks on a thread of its own, with its own connection to the chain file (WAL lets the
 * node's connection keep reading). The disk's time — fsync, checkpoints — then overlaps the node's
 * admission work instead of stopping it, and the next block gathers what arrived meanwhile (group
 * commit). Same SQL, same pragmas, same one-transaction-per-block durability as ChainStore.commitBlock.
 * One block at a time: commit() again only once the last one has settled.
 */
export class BlockWriter {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  // done[0]: seq of the last block the thread finished; lets settle() wait without the event loop.
  readonly #done = new Int32Array(new SharedArrayBuffer(4));
  #seq = 0;
  #pending: PendingCommit | undefined;
  // Set once the thread is gone (crashed, or closed): every later commit fails at once with it.
  #failure: Error | undefined;
  #exited = false;

  constructor(dataDir: string) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL("./blockWriterWorker.js", import.meta.url), {
      workerData: {
        file: chainFile(dataDir),
        pragmas: CONNECTION_PRAGMAS,
        sql: WRITE_SQL,
        done: this.#done,
        port: port2,
      },
      transferList: [port2],
    });
    this.#port.on("message", (reply: Reply) => this.#answer(reply));
    this.#worker.on("error", (error) => this.#fail(error));
    this.#worker.on("exit", (code) => {
      this.#exited = true;
      this.#fail(new Error(`block writer thread exited with code ${code}`));
    });
    // Idle, neither keeps the process alive; a commit in flight does (see commit). After the
    // listeners: adding a "message" listener refs the port again.
    this.#worker.unref();
    this.#port.unref();
  }

  /** Resolves once the block is durable; rejects with the reason it is not (nothing of it was written). */
  commit(block: BlockWrite): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#pending) return Promise.reject(new Error("the block writer commits one block at a time"));
    const seq = ++this.#seq;
    // Packed into one transferable buffer: cloning a view would copy whatever larger buffer it sits in.
    let size = 0;
    for (const tx of block.txs) size += 32 + tx.raw.length;
    const txBytes = new Uint8Array(size);
    const txEnds = new Uint32Array(block.txs.length);
    let at = 0;
    block.txs.forEach((tx, i) => {
      txBytes.set(tx.hash, at);
      txBytes.set(tx.raw, at + 32);
      at += 32 + tx.raw.length;
      txEnds[i] = at;
    });
    const leafKeys: string[] = [];
    const leafValues: string[] = [];
    for (const [key, value] of block.writes) {
      leafKeys.push(key);
      leafValues.push(encodeLeaf(key, value));
    }
    const { header } = block;
    const message = {
      seq,
      height: header.height,
      hash: Uint8Array.from(header.hash),
      header: Uint8Array.from(block.encodedHeader),
      signature: Uint8Array.from(header.signature),
      txBytes,
      txEnds,
      receipts: block.txs.map((tx) => tx.receipt),
      leafKeys,
      leafValues,
    };
    return new Promise((resolve, reject) => {
      this.#pending = { seq, resolve, reject };
      this.#port.ref();
      this.#port.postMessage(message, [txBytes.buffer, txEnds.buffer]);
    });
  }

  /**
   * Blocks this thread until the commit in flight, if any, has finished, and settles it now: for a
   * caller that must stay synchronous (RefchainNode.produceBlock). Returns its error, if it failed.
   */
  settle(): Error | undefined {
    const pending = this.#pending;
    if (!pending) return undefined;
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.#done, 0);
      if (done >= pending.seq) break;
      if (Date.now() > deadline) {
        // The thread is taken for dead; should it finish after all, the block's height is taken and
        // a second block of that height cannot commit (blocks.height is the primary key).
        const error = new Error("the block writer did not answer");
        this.#failure ??= error;
        this.#settle(pending, error);
        return error;
      }
      Atomics.wait(this.#done, 0, done, 100);
    }
    for (
      let received = receiveMessageOnPort(this.#port);
      received;
      received = receiveMessageOnPort(this.#port)
    ) {
      const reply = received.message as Reply;
      if (reply.seq !== pending.seq) continue;
      const error = reply.error ? toError(reply.error) : undefined;
      this.#settle(pending, error);
      return error;
    }
    const error = new Error("the block writer finished without answering");
    this.#settle(pending, error);
    return error;
  }

  #answer(reply: Reply): void {
    const pending = this.#pending;
    if (!pending || reply.seq !== pending.seq) return;
    this.#settle(pending, reply.error ? toError(reply.error) : undefined);
  }

  #settle(pending: PendingCommit, error: Error | undefined): void {
    this.#pending = undefined;
    this.#port.unref();
    if (error) pending.reject(error);
    else pending.resolve();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    if (this.#pending) this.#settle(this.#pending, error);
  }

  /** Lets the thread close its connection and end; settle first. */
  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.#worker.once("exit", resolve));
    this.#worker.ref();
    this.#port.postMessage("close");
    await exited;
  }
}

const toError = (reply: { message: string; code?: string }) =>
  Object.assign(new Error(reply.message), { code: reply.code });
