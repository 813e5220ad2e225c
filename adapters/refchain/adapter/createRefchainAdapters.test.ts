import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { KeyPair } from "../chain/keys.ts";
import { createRefchainAdapters } from "./createRefchainAdapters.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "refchain-adapters-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: bound once, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("createRefchainAdapters: without REFCHAIN_URL, one embedded node in <dataDir>/refchain that close() closes, its chain kept", async () => {
  const dataDir = tempDir();
  const key = KeyPair.generate();
  const adapters = await createRefchainAdapters({ dataDir, env: { REFCHAIN_BLOCK_TIME_MS: "0" } });
  expect(adapters).toHaveLength(1);
  const [adapter] = adapters;
  if (!adapter) throw new Error("no adapter");
  expect(adapter.description.id).toBe("refchain:local");
  expect(existsSync(join(dataDir, "refchain", "node.lock"))).toBe(true);
  await adapter.faucet?.(key.address, adapter.description.nativeAsset, 42n);
  await adapter.close();
  expect(existsSync(join(dataDir, "refchain", "node.lock"))).toBe(false);

  // The node is closed (its directory unlocked): a new one opens the same chain.
  const [again] = await createRefchainAdapters({ dataDir, env: { REFCHAIN_BLOCK_TIME_MS: "0" } });
  try {
    expect(
      await again?.getBalances([{ address: key.address, asset: adapter.description.nativeAsset }]),
    ).toEqual([42n]);
  } finally {
    await again?.close();
  }
});

test("createRefchainAdapters: REFCHAIN_URL where no node answers fails naming REFCHAIN_URL and what to do", async () => {
  const url = `http://127.0.0.1:${await freePort()}/`;
  await expect(createRefchainAdapters({ dataDir: tempDir(), env: { REFCHAIN_URL: url } })).rejects.toThrow(
    new RegExp(
      `REFCHAIN_URL is ${url.replace(/[.]/g, "\\.")}, but no refchain node answers there .*refchain start`,
    ),
  );
});

test("createRefchainAdapters: a REFCHAIN_URL that is not http(s) and a REFCHAIN_BLOCK_TIME_MS that is not a number are named", async () => {
  await expect(
    createRefchainAdapters({ dataDir: tempDir(), env: { REFCHAIN_URL: "ftp://node:8547" } }),
  ).rejects.toThrow(/REFCHAIN_URL is "ftp:\/\/node:8547": it must be the http:\/\/ or https:\/\/ URL/);
  const dataDir = tempDir();
  await expect(createRefchainAdapters({ dataDir, env: { REFCHAIN_BLOCK_TIME_MS: "fast" } })).rejects.toThrow(
    /REFCHAIN_BLOCK_TIME_MS is "fast": it must be a whole number of milliseconds/,
  );
  expect(existsSync(join(dataDir, "refchain"))).toBe(false);
});
