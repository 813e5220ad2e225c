import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Connection } from "@solana/web3.js";
import { type CountingRpcProxy, startCountingRpcProxy } from "../../test/support/countingRpcProxy.ts";
import type { BenchNode } from "../chain/chainUnderBench.ts";

export interface SolanaLocalWithProxy extends BenchNode {
  /** The endpoint's own URLs (not counted): setup, looking at the chain. */
  url: string;
  wsUrl: string;
  /** The endpoint's process (`npm run solana:local`), for its CPU. */
  pid: number | undefined;
  /** In front of `url`: clients given its URL are counted. */
  proxy: CountingRpcProxy;
  /** Straight to the endpoint (not counted), at the confirmed commitment. */
  connection: Connection;
  stop(): Promise<void>;
}

const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../tools/solanaLocal/main.ts", import.meta.url));
const OUTPUT_TAIL = 20_000;

// Every endpoint this process started: killed when it exits, so an interrupted bench leaves none behind.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function killChildrenOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const live of liveChildren) live.kill("SIGKILL");
  });
}

/**
 * A fresh local Solana endpoint (tools/solanaLocal, LiteSVM) as `npm run solana:local` runs it — its
 * own process, so its CPU is not the bench's, as anvil is a process of its own in the EVM bench —
 * on free ports, with a counting proxy in front of its HTTP port. Each side of a comparison gets its
 * own, so neither inherits the other's accounts, blocks or signature history.
 */
export async function startSolanaLocalWithProxy(options: { slotMs: number }): Promise<SolanaLocalWithProxy> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "--port", "0", "--ws-port", "0", "--slot-ms", String(options.slotMs)],
    { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"] },
  );
  killChildrenOnExit(child);
  let output = "";
  const append = (text: string) => {
    output = (output + text).slice(-OUTPUT_TAIL);
  };
  child.stdout.setEncoding("utf8").on("data", append);
  child.stderr.setEncoding("utf8").on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const urls = await new Promise<{ url: string; wsUrl: string } | undefined>((resolve) => {
    const check = () => {
      const rpc = /JSON-RPC (http:\/\/\S+)/.exec(output);
      const pubsub = /PubSub\s+(ws:\/\/\S+)/.exec(output);
      if (!rpc?.[1] || !pubsub?.[1]) return;
      child.stdout.off("data", check);
      resolve({ url: rpc[1], wsUrl: pubsub[1] });
    };
    child.stdout.on("data", check);
    void exited.then(() => resolve(undefined));
  });
  if (!urls) throw new Error(`solanaLocal exited before it listened. Its output:\n${output}`);

  const stopEndpoint = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  let proxy: CountingRpcProxy;
  try {
    proxy = await startCountingRpcProxy(urls.url);
  } catch (error) {
    await stopEndpoint();
    throw error;
  }
  return {
    ...urls,
    pid: child.pid,
    proxy,
    connection: new Connection(urls.url, { commitment: "confirmed", wsEndpoint: urls.wsUrl }),
    async stop() {
      await proxy.close();
      await stopEndpoint();
    },
  };
}
