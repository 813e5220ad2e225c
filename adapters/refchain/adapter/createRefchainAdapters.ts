import { join } from "node:path";
import type { AdapterContext, ChainAdapter } from "../../types.ts";
import { RefchainNode } from "../chain/node.ts";
import { inProcessTransport } from "../client/inProcessTransport.ts";
import { RefchainClient } from "../client/refchainClient.ts";
import { rpcTransport } from "../client/rpcTransport.ts";
import { RefchainAdapter } from "./refchainAdapter.ts";

const DEFAULT_BLOCK_TIME_MS = 200;

/**
 * The refchain adapter, always one: the standalone node at REFCHAIN_URL when it is set, otherwise an
 * embedded node in `<dataDir>/refchain` (a block every REFCHAIN_BLOCK_TIME_MS, default 200; 0 = a
 * block as soon as there is a transaction) that the adapter's close() closes.
 */
export async function createRefchainAdapters(context: AdapterContext): Promise<ChainAdapter[]> {
  const url = context.env.REFCHAIN_URL?.trim();
  return [url ? await connectStandalone(url) : await openEmbedded(context)];
}

async function connectStandalone(url: string): Promise<ChainAdapter> {
  let client: RefchainClient;
  try {
    client = new RefchainClient(rpcTransport(url));
  } catch (error) {
    throw new Error(
      `REFCHAIN_URL is "${url}": it must be the http:// or https:// URL of a refchain node (e.g. http://127.0.0.1:8547/).`,
      { cause: error },
    );
  }
  try {
    return await RefchainAdapter.connect(client);
  } catch (error) {
    await client.close();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `REFCHAIN_URL is ${url}, but no refchain node answers there (${why}). Start one with \`value-gateway refchain start\`, fix REFCHAIN_URL, or unset it to run the embedded node.`,
      { cause: error },
    );
  }
}

async function openEmbedded(context: AdapterContext): Promise<ChainAdapter> {
  const blockTimeMs = parseBlockTime(context.env.REFCHAIN_BLOCK_TIME_MS);
  const node = RefchainNode.open({ dataDir: join(context.dataDir, "refchain"), blockTimeMs });
  try {
    return await RefchainAdapter.connect(new RefchainClient(inProcessTransport(node)), {
      onClose: () => node.close(),
    });
  } catch (error) {
    await node.close();
    throw error;
  }
}

function parseBlockTime(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_BLOCK_TIME_MS;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value > 2_147_483_647) {
    throw new Error(
      `REFCHAIN_BLOCK_TIME_MS is "${text}": it must be a whole number of milliseconds (0 = a block as soon as there is a transaction).`,
    );
  }
  return value;
}
