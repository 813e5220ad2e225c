import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { KeyPair } from "./chain/keys.ts";
import { NATIVE_ASSET } from "./chain/state.ts";
import { RefchainClient } from "./client/refchainClient.ts";
import { rpcTransport } from "./client/rpcTransport.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "value-gateway.js");

/** Runs `value-gateway …` to completion. */
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

describe("value-gateway refchain (CLI)", () => {
  let dataDir: string;
  let child: ChildProcessWithoutNullStreams;
  let stdout = "";

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "refchain-cli-"));
  });
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("start serves JSON-RPC on the port it prints, and SIGTERM closes it cleanly", async () => {
    child = spawn(
      process.execPath,
      [bin, "refchain", "start", "--data-dir", dataDir, "--port", "0", "--block-time-ms", "20"],
      { cwd: root },
    );
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    await vi.waitFor(() => expect(stdout, stderr).toMatch(/rpc url\s+http:\/\/127\.0\.0\.1:\d+\//), {
      timeout: 30_000,
      interval: 50,
    });
    expect(stdout).toMatch(/chain id\s+refchain:local/);
    const url = (stdout.match(/rpc url\s+(\S+)/) as RegExpMatchArray)[1] as string;
    const faucet = (stdout.match(/faucet\s+(ref1\S+)/) as RegExpMatchArray)[1];

    const client = new RefchainClient(rpcTransport(url));
    try {
      expect((await client.chainInfo()).faucetAddress).toBe(faucet);
      const heads: bigint[] = [];
      await client.subscribeHeads({ onHead: (head) => heads.push(head.height) });
      // The standalone process verifies signatures on its worker threads: a faucet transaction lands.
      const key = KeyPair.generate();
      const { hash } = await client.requestFaucet(key.address, 4_200n);
      const included = await client.waitForTransaction(hash);
      expect(await client.getBalances([{ address: key.address, asset: NATIVE_ASSET }])).toEqual([4_200n]);
      await vi.waitFor(() => expect(heads).toContain(included.height));
    } finally {
      await client.close();
    }

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/SIGTERM: closing/);
    expect(stdout).toMatch(/closed at height \d+/);
  });

  test("verify on the directory the node left exits 0 and says what it checked", () => {
    const result = run("refchain", "verify", "--data-dir", dataDir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^OK: /);
    expect(result.stdout).toMatch(/blocks\s+\d+/);
    expect(result.stdout).toMatch(/transactions\s+1 /);
    expect(result.stdout).toMatch(/state leaves\s+\d+/);
    const closedAt = (stdout.match(/closed at height (\d+)/) as RegExpMatchArray)[1];
    expect(result.stdout).toMatch(new RegExp(`head\\s+${closedAt} [0-9a-f]{64}`));
  });

  test("verify on a tampered directory exits 1 and names the first tampered block", () => {
    const db = new Database(join(dataDir, "refchain.db"));
    const row = db.prepare("SELECT height FROM txs").get() as { height: number };
    db.prepare("UPDATE txs SET receipt = replace(receipt, '4200', '4201')").run();
    db.close();
    const result = run("refchain", "verify", "--data-dir", dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^TAMPERED: /);
    expect(result.stderr).toMatch(new RegExp(`first bad block\\s+${row.height}\\n`));
  });

  test("verify on a directory without a chain exits 1 saying so", () => {
    const empty = mkdtempSync(join(tmpdir(), "refchain-cli-empty-"));
    try {
      const result = run("refchain", "verify", "--data-dir", empty);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`no refchain data in ${empty}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
