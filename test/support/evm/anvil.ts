import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Anvil's dev account 0, from its default mnemonic "test test test test test test test test test
 * test test junk" (copied from anvil 1.7.1's startup output). Funded with 10 000 ETH on every fresh chain.
 */
export const ANVIL_DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" as const;
export const ANVIL_DEV_ADDRESS_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;

export interface AnvilOptions {
  /**
   * Interval mining every N seconds; without it anvil mines one block per transaction (automine).
   * Even automined, eth_sendRawTransaction may answer before the block is readable (anvil 1.7.1: 46
   * of 300 receipts were not there yet right after the send): wait for the receipt.
   */
  blockTimeSeconds?: number;
  /**
   * Passed as `--state <file>`: the chain is loaded from the file if it exists and written to it when
   * anvil exits gracefully. Found with anvil 1.7.1: SIGTERM and SIGINT both write the file (exit code
   * 0) and a restart comes back with the same blocks (same hashes), receipts, balances and nonces.
   * SIGKILL writes nothing: the file stays as the last graceful exit left it (or absent). The mempool
   * is never saved: transactions still pending at exit are gone after the restart.
   */
  stateFile?: string;
  /** Default 0: the OS picks a free port, read back from anvil's "Listening on" line. */
  port?: number;
  /** Default anvil's own: 31337. */
  chainId?: number;
}

export interface Anvil {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  process: ChildProcess;
  /** The options it was started with, `port` being the one it actually listens on. */
  options: AnvilOptions;
  /** SIGTERM (anvil writes `stateFile`), then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: nothing is written), then waits for the exit. */
  kill(): Promise<void>;
  /** True until the process has ended. */
  running(): boolean;
  /** The end of what anvil printed (it logs every RPC method), for failure messages. */
  output(): string;
}

// Bytes of output kept for failure messages: the end is what explains a crash.
const OUTPUT_TAIL = 20_000;

// Every live anvil of this process: killed when the process exits, so a failed or interrupted test
// run leaves no node behind. (A SIGKILLed test process cannot run this; nothing can.)
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
 * The anvil binary that @foundry-rs/anvil installed for this platform. Resolved from this file, not
 * the working directory, so tests and scripts find it wherever they run from.
 */
export function anvilBinaryPath(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${platformPackage}/package.json`);
  } catch {
    throw new Error(
      `${platformPackage} is not installed: the anvil binary comes from the npm package @foundry-rs/anvil ` +
        "(a devDependency), which installs it as that optional dependency. Run `npm install`.",
    );
  }
  const binary = join(dirname(packageJson), "bin", "anvil");
  if (!existsSync(binary)) throw new Error(`${platformPackage} is installed but has no ${binary}`);
  return binary;
}

/**
 * Starts a real anvil on 127.0.0.1 and resolves once it listens. Rejects, with anvil's output, when it
 * exits first (a taken port, a bad state file).
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const args = ["--host", "127.0.0.1", "--port", String(options.port ?? 0)];
  if (options.blockTimeSeconds !== undefined) args.push("--block-time", String(options.blockTimeSeconds));
  if (options.stateFile !== undefined) args.push("--state", options.stateFile);
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));

  const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  killChildrenOnExit(child);

  // Read for as long as anvil runs: it logs every request, and a full pipe would stall it.
  let output = "";
  const append = (text: string) => {
    output = (output + text).slice(-OUTPUT_TAIL);
  };
  child.stdout.setEncoding("utf8").on("data", append);
  child.stderr.setEncoding("utf8").on("data", append);

  let ended = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      ended = true;
      resolve();
    });
    // No process at all (spawn failed): there will be no "exit" event.
    child.once("error", (error) => {
      append(`\n${String(error)}\n`);
      if (child.pid !== undefined) return;
      ended = true;
      resolve();
    });
  });
  const signal = (name: NodeJS.Signals) => {
    if (!ended) child.kill(name);
    return exited;
  };

  const port = await new Promise<number | undefined>((resolve) => {
    let stdout = "";
    const check = (text: string) => {
      stdout += text;
      const listening = /Listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (!listening) return;
      child.stdout.off("data", check);
      resolve(Number(listening[1]));
    };
    child.stdout.on("data", check);
    void exited.then(() => resolve(undefined));
  });
  if (port === undefined) {
    throw new Error(`anvil ${args.join(" ")} exited before it listened. Its output:\n${output}`);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    options: { ...options, port },
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    running: () => !ended,
    output: () => output,
  };
}

/**
 * Brings an anvil back on the same port (so the same URL) and the same options, `overrides` aside;
 * with a `stateFile`, on the chain it saved. A still-running `previous` is stopped gracefully first;
 * kill() it beforehand to restart after a crash instead.
 */
export async function restartAnvil(previous: Anvil, overrides: AnvilOptions = {}): Promise<Anvil> {
  await previous.stop();
  return startAnvil({ ...previous.options, port: previous.port, ...overrides });
}
