import { Worker } from "node:worker_threads";

/** A worker thread running the TypeScript module at `module` (a file URL); `data` reaches it as workerData.data. */
export function startTypescriptWorker(module: URL, data: unknown): Worker {
  return new Worker(new URL("./typescriptWorker.mjs", import.meta.url), {
    workerData: { module: module.href, data },
  });
}
