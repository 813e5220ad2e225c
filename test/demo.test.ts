import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** Runs `npm run demo`'s command as a child process, as a user would, and collects what it printed. */
function runDemo(
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { GATEWAY_URL: _url, GATEWAY_ADMIN_KEY: _key, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "demo/demo.ts"], {
    cwd: repoRoot,
    env: { ...inherited, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run demo", () => {
  test("walks the whole story against a gateway it starts itself, and exits 0", async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).not.toContain("✗");
    expect(code).toBe(0);
    expect(stdout).toMatch(/ 1\. Gateway\n {4}started in-process at http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(stdout).toContain("Acme treasury  100 REF");
    expect(stdout).toContain("RECEIVED 25 REF from ref1");
    expect(stdout).toContain("replayed: true");
    expect(stdout).toContain("Acme treasury  75 REF");
    expect(stdout).toContain("Globex revenue 25 REF");
    expect(stdout).toContain("Done: every step passed.");
    // The retry answered the very payment the first send made.
    const sentId = /payment (pay_\w+): SUBMITTED/.exec(stdout)?.[1];
    const replayedId = /replayed: true, payment (pay_\w+)/.exec(stdout)?.[1];
    expect(sentId).toBeDefined();
    expect(replayedId).toBe(sentId);
  });

  test("a step that fails is named, and the demo exits 1", async () => {
    const { code, stderr } = await runDemo({ GATEWAY_URL: "http://127.0.0.1:1/graphql" });
    expect(code).toBe(1);
    expect(stderr).toContain('✗ Step 1 "Gateway" failed: GATEWAY_URL is set: set GATEWAY_ADMIN_KEY too');
  });
});
