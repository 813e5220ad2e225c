// Boots a worker thread whose code is TypeScript: registers tsx in this thread (loaders do not
// cross into workers), then loads the module named in workerData.module.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
