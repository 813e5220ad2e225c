import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type ClosedLoopResult, runClosedLoop } from "../chain/closedLoop.ts";

export interface ViemSendRateParameters {
  /** Where the wallets send: the node, or a proxy in front of it. */
  rpcUrl: string;
  /** One funded sending account per key; each has one transaction in flight at a time. */
  keys: readonly Hex[];
  /** Sender i pays recipients[i % length]. */
  recipients: readonly Hex[];
  value: bigint;
  warmupSeconds: number;
  seconds: number;
  /** Called between the warm-up and the measured run (e.g. to start counting RPC traffic). */
  beforeMeasuring?: () => unknown;
}

/**
 * The baseline of (5): what a plain app does with viem, with no gateway. A wallet client per key
 * (viem's own http transport, defaults: no batching) sends plain native transfers with
 * walletClient.sendTransaction, which fills nonce, gas and EIP-1559 fees from the node, signs
 * locally and calls eth_sendRawTransaction; one is done when it returned the hash.
 */
export async function measureViemSendRate(parameters: ViemSendRateParameters): Promise<ClosedLoopResult> {
  const { keys, recipients, value } = parameters;
  const wallets = keys.map((key) =>
    createWalletClient({
      account: privateKeyToAccount(key),
      chain: foundry,
      transport: http(parameters.rpcUrl),
    }),
  );
  const run = (seconds: number) =>
    runClosedLoop({
      workers: wallets.length,
      seconds,
      operation: async (worker) => {
        const wallet = wallets[worker];
        const to = recipients[worker % recipients.length];
        if (!wallet || !to) throw new Error(`no wallet or recipient for sender ${worker}`);
        await wallet.sendTransaction({ to, value });
      },
      describeError: (error) =>
        error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error),
    });
  await run(parameters.warmupSeconds);
  await parameters.beforeMeasuring?.();
  return run(parameters.seconds);
}
