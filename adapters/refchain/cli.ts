import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { RefchainNode } from "./chain/node.ts";
import { verifyChain } from "./chain/verifyChain.ts";
import { DEFAULT_RPC_PORT, startRefchainServer } from "./rpc/server.ts";

const DEFAULT_DATA_DIR = "./data/refchain";

const integer = (what: string, max: number) => (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) {
    throw new InvalidArgumentError(`${what} is a whole number from 0 to ${max}.`);
  }
  return value;
};

interface StartOptions {
  dataDir: string;
  host: string;
  port: number;
  blockTimeMs: number;
  chainId?: string;
  faucet: boolean;
}

/** `value-gateway refchain …`: run a standalone node, or verify a data directory. */
export function refchainCommand(): Command {
  const refchain = new Command("refchain").description("the in-house reference chain");

  refchain
    .command("start")
    .description("run a standalone node serving JSON-RPC over HTTP and WebSocket on one port")
    .option("--data-dir <dir>", "where the chain lives (created on first start)", DEFAULT_DATA_DIR)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--port <port>",
      "port to listen on; 0 picks a free one",
      integer("--port", 65_535),
      DEFAULT_RPC_PORT,
    )
    .option(
      "--block-time-ms <ms>",
      "a block every ms; 0 = as soon as there is a transaction",
      integer("--block-time-ms", 2_147_483_647),
      200,
    )
    .option("--chain-id <id>", "CAIP-2 chain id, fixed at genesis (default refchain:local)")
    .option("--no-faucet", "no faucet, fixed at genesis: a chain that is not a dev chain")
    .action((options: StartOptions) => start(options));

  refchain
    .command("verify")
    .description(
      "replay a data directory from genesis and check every block; exit 1 at the first tampered one",
    )
    .option("--data-dir <dir>", "the chain to check", DEFAULT_DATA_DIR)
    .action((options: { dataDir: string }) => verify(options.dataDir));

  return refchain;
}

async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const node = RefchainNode.open({
    dataDir,
    blockTimeMs: options.blockTimeMs,
    chainId: options.chainId,
    dev: options.faucet,
  });
  let server: Awaited<ReturnType<typeof startRefchainServer>>;
  try {
    server = await startRefchainServer({ node, host: options.host, port: options.port });
  } catch (error) {
    await node.close();
    throw error;
  }
  const head = node.head;
  console.log(
    [
      "refchain node running",
      `  chain id    ${node.chainId}`,
      `  rpc url     ${server.url}  (JSON-RPC: POST over HTTP; WebSocket ${server.wsUrl} adds subscriptions)`,
      `  faucet      ${node.genesis.faucet.enabled ? node.faucetAddress : "none (not a dev chain)"}`,
      `  data dir    ${dataDir}`,
      `  head        ${head.height} ${Buffer.from(head.hash).toString("hex")}`,
      `  block time  ${node.blockTimeMs === 0 ? "a block as soon as there is a transaction" : `${node.blockTimeMs} ms`}`,
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting without closing; the last durable block is kept`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: closing`);
    // Connections first, so no request reaches a closing node; the node then seals what it admitted.
    await server.close();
    await node.close();
    console.log(`closed at height ${node.head.height}`);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => {
        console.error("refchain: closing failed", error);
        process.exit(1);
      });
    });
  }
}

function verify(dir: string): void {
  const dataDir = resolve(dir);
  const report = verifyChain(dataDir);
  if (!report.ok) {
    const problem = report.problem;
    console.error(`TAMPERED: ${dataDir}`);
    console.error(`  first bad block  ${problem?.height}`);
    console.error(`  problem          ${problem?.message}`);
    console.error(`  verified before  ${report.blocks} blocks, ${report.transactions} transactions`);
    process.exitCode = 1;
    return;
  }
  console.log(
    [
      `OK: ${dataDir} replays from genesis`,
      `  blocks        ${report.blocks} (headers, hashes, producer signatures, parent links, transaction roots, state commitments)`,
      `  transactions  ${report.transactions} (hashes, signatures, validity where they stand, receipts)`,
      `  state leaves  ${report.stateLeaves} (stored state equals the replayed state)`,
      `  head          ${report.head?.height} ${report.head?.hash}`,
    ].join("\n"),
  );
}
