import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * One node per data directory: two producers on one chain file would fork it. The lock is a file
 * holding the owner's pid; a lock whose process is gone (kill -9) is stale and taken over.
 */
export class DataDirLock {
  private constructor(readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "node.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid), { flag: "wx" });
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number(readFileSync(path, "utf8"));
        if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
          throw new Error(`${dataDir} is in use by another refchain node (pid ${owner}); stop it first`);
        }
        unlinkSync(path); // stale: its process is gone
      }
    }
    throw new Error(`could not lock ${dataDir}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }
}
