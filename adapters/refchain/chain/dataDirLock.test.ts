import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { RefchainNode } from "./node.ts";
import { TestChain } from "./testChain.ts";

test("a second node on the same data directory is refused while the first runs, and may open it after close", async () => {
  const chain = TestChain.open();
  expect(() => RefchainNode.open({ dataDir: chain.dataDir, blockTimeMs: 0 })).toThrow(
    /in use by another refchain node/,
  );
  await chain.node.close();
  const again = RefchainNode.open({ dataDir: chain.dataDir, blockTimeMs: 0, verifierThreads: 1 });
  expect(again.head.height).toBe(chain.node.head.height);
  await again.close();
  await chain.close();
});

test("a lock left by a process that no longer runs (kill -9) is taken over", async () => {
  const chain = TestChain.open();
  await chain.node.close();
  // pid 2^22 + 1 is above Linux's pid_max: no process can hold it.
  writeFileSync(join(chain.dataDir, "node.lock"), String(4_194_305));
  const again = RefchainNode.open({ dataDir: chain.dataDir, blockTimeMs: 0, verifierThreads: 1 });
  await again.close();
  await chain.close();
});
