import type { Worker } from "node:worker_threads";
import { startTypescriptWorker } from "../../workers/startTypescriptWorker.ts";
import { StaleFenceError } from "../staleFenceError.ts";
import type { PaymentEventRecord } from "../store.ts";
import type { SqliteWrites } from "./sqliteWrites.ts";
import type { WriteMethod, WriterReply, WriterRequest } from "./storeWriterProtocol.ts";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The request side of the writer thread (storeWriterWorker.ts): every write goes there by name with
 * its arguments (structured clone keeps bigint, Date and bytes), and resolves once its group commit is
 * durable. Committed events arrive before the results of the commit that made them.
 */
export class StoreWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #onEvents: (events: PaymentEventRecord[]) => void = () => {};
  #nextId = 1;
  #closed = false;
  #failure: Error | null = null;
  #whenClosed: Promise<void> | null = null;
  #closedSignal: () => void = () => {};

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (reply: WriterReply) => this.#receive(reply));
    worker.on("error", (error) => this.#fail(error));
    worker.on("exit", (code) => this.#fail(new Error(`the store's writer thread exited (code ${code})`)));
  }

  /** Starts the writer thread on the store's file; resolves once it has opened it. */
  static async start(options: { path: string; busyTimeoutMs: number }): Promise<StoreWriter> {
    const worker = startTypescriptWorker(new URL("./storeWriterWorker.ts", import.meta.url), options);
    const writer = new StoreWriter(worker);
    await new Promise<void>((resolve, reject) => {
      worker.once("online", resolve);
      worker.once("error", reject);
    });
    return writer;
  }

  /** Who hears each commit's events (the store, which hands them to its listeners). */
  handleEvents(handler: (events: PaymentEventRecord[]) => void): void {
    this.#onEvents = handler;
  }

  run<M extends WriteMethod>(
    method: M,
    ...args: Parameters<SqliteWrites[M]>
  ): Promise<ReturnType<SqliteWrites[M]>> {
    if (this.#closed) return Promise.reject(new Error("The store is closed."));
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ kind: "write", id, method, args } satisfies WriterRequest);
    });
  }

  /** Commits what was already sent, closes the file, ends the thread. */
  close(): Promise<void> {
    if (this.#whenClosed) return this.#whenClosed;
    this.#closed = true;
    this.#whenClosed = new Promise<void>((resolve) => {
      this.#closedSignal = resolve;
      if (this.#failure) resolve();
      else this.#worker.postMessage({ kind: "close" } satisfies WriterRequest);
    }).then(() => this.#worker.terminate().then(() => undefined));
    return this.#whenClosed;
  }

  #receive(reply: WriterReply): void {
    switch (reply.kind) {
      case "events":
        this.#onEvents(reply.events);
        return;
      case "closed":
        this.#closedSignal();
        return;
      case "result": {
        const pending = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        if (!pending) return;
        if (reply.ok) pending.resolve(reply.value);
        else if (reply.staleFence !== undefined) pending.reject(new StaleFenceError(reply.staleFence));
        else pending.reject(reply.error);
      }
    }
  }

  /** The thread is gone: every write still waiting hears why, and later ones too. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    this.#closedSignal();
  }
}
