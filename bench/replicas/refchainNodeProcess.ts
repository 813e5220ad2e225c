import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface RefchainNodeProcess {
  /** The node's JSON-RPC URL (http://127.0.0.1:<port>/…), as it printed it. */
  url: string;
  pid: number;
  /** SIGTERM (the node seals what it admitted and exits); SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL("../../bin/value-gateway.js", import.meta.url));

/**
 * A standalone refchain node as an operator runs one for gateway replicas (`value-gateway refchain
 * start`), in its own process, so its CPU is its own and the replicas reach it over the network.
 * Resolves once it prints its RPC URL; rejects with its output when it exits or stays silent.
 */
export async function startRefchainNodeProcess(parameters: {
  dataDir: string;
  blockTimeMs: number;
  timeoutMs?: number;
}): Promise<RefchainNodeProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      "refchain",
      "start",
      "--data-dir",
      parameters.dataDir,
      "--port",
      "0",
      "--block-time-ms",
      String(parameters.blockTimeMs),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // A bench stopped with Ctrl-C must not leave the node running: nothing else would stop it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = once(child, "exit");
  let output = "";
  const timeoutMs = parameters.timeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (why: string) =>
      settle(() => {
        child.kill("SIGKILL");
        reject(new Error(`refchain start ${why}. Its output:\n${output}`));
      });
    const timer = setTimeout(() => fail(`printed no rpc url within ${timeoutMs} ms`), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      output += text;
      const found = output.match(/rpc url\s+(http\S+)/)?.[1];
      if (found) settle(() => resolve(found));
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    void exited.then(([code, signal]) => fail(`exited (code ${code}, signal ${signal}) before it was ready`));
  });
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    },
  };
}
