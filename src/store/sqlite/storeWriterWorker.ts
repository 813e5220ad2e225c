// The store's writer thread: owns the write connection, runs every write in group commits (one
// SQLite transaction and one fsync per batch) and answers on the parent port. The commit's fsync and
// SQLite's own work happen here, off the thread that serves requests.
import { parentPort, workerData } from "node:worker_threads";
import { StaleFenceError } from "../staleFenceError.ts";
import type { PaymentEventRecord } from "../store.ts";
import { GroupCommit } from "./groupCommit.ts";
import { openConnection } from "./openConnection.ts";
import { SqliteWrites } from "./sqliteWrites.ts";
import type { WriterReply, WriterRequest } from "./storeWriterProtocol.ts";

const port = parentPort;
if (!port) throw new Error("storeWriterWorker runs in a worker thread");
const { path, busyTimeoutMs } = (workerData as { data: { path: string; busyTimeoutMs: number } }).data;
const db = openConnection(path, busyTimeoutMs);
const writes = new SqliteWrites(db);
const appended = writes.appended;
const post = (reply: WriterReply) => port.postMessage(reply);

const commit = new GroupCommit(db, {
  mark: () => appended.length,
  rollbackTo: (mark) => {
    appended.length = mark;
  },
  // Posted before the writers' answers: the parent announces events before any writer hears back.
  committed: () => {
    if (appended.length > 0) post({ kind: "events", events: appended.splice(0) as PaymentEventRecord[] });
  },
  abandoned: () => {
    appended.length = 0;
  },
});

port.on("message", (request: WriterRequest) => {
  if (request.kind === "close") {
    commit.close();
    db.close();
    post({ kind: "closed" });
    port.close();
    return;
  }
  const method = writes[request.method] as (...args: unknown[]) => unknown;
  commit
    .run(() => method.apply(writes, request.args))
    .then(
      (value) => post({ kind: "result", id: request.id, ok: true, value }),
      (error: unknown) =>
        post(
          error instanceof StaleFenceError
            ? { kind: "result", id: request.id, ok: false, error, staleFence: error.toStaleFence() }
            : { kind: "result", id: request.id, ok: false, error },
        ),
    );
});
