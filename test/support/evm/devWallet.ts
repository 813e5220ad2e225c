import { createPublicClient, createWalletClient, http, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_DEV_KEY_0 } from "./anvil.ts";

/**
 * Anvil's dev account 0 as an outside wallet: viem, not the gateway or an adapter. It holds 10 000 ETH
 * and the supply of every token deployTestToken deploys with its default key; with public actions it
 * also reads the chain.
 */
export function devWallet(url: string) {
  return createWalletClient({
    account: privateKeyToAccount(ANVIL_DEV_KEY_0),
    transport: http(url),
    // viem polls every 4 s by default (a mainnet block time); anvil mines in milliseconds.
    pollingInterval: 50,
  }).extend(publicActions);
}

export type DevWallet = ReturnType<typeof devWallet>;

/** Any viem client (public or wallet): only its `request` is used. */
interface RequestingClient {
  request: (...args: never[]) => unknown;
}

/** A JSON-RPC call by name, its answer typed by the caller. */
export type AnvilRequest = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

/**
 * The JSON-RPC methods viem's clients do not type (anvil_*, evm_*, and eth_ ones such as
 * eth_getRawTransactionByHash), sent to the node at `target` (a URL, or a client to send them through).
 */
export function anvilRequest(target: string | RequestingClient): AnvilRequest {
  const client = typeof target === "string" ? createPublicClient({ transport: http(target) }) : target;
  const request = client.request as unknown as (call: {
    method: string;
    params: unknown[];
  }) => Promise<unknown>;
  return <T>(method: string, params: unknown[] = []) => request({ method, params }) as Promise<T>;
}

/** Mines `blocks` blocks at once (anvil_mine): automine makes a block only for a transaction. */
export const mine = (target: string | RequestingClient, blocks = 1) =>
  anvilRequest(target)("anvil_mine", [`0x${blocks.toString(16)}`]);
