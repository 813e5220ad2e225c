import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import type { ClosedLoopResult } from "../chain/closedLoop.ts";
import { runSendLoop, type SendLoopShape } from "../chain/sendLoop.ts";

/** Senders are the private keys of funded accounts; recipients are addresses. */
export interface ViemSendRateParameters extends SendLoopShape<Hex, Hex> {
  /** Where the wallets send: the node, or a proxy in front of it. */
  rpcUrl: string;
  value: bigint;
}

/**
 * The baseline of (5): what a plain app does with viem, with no gateway. A wallet client per key
 * (viem's own http transport, defaults: no batching) sends plain native transfers with
 * walletClient.sendTransaction, which fills nonce, gas and EIP-1559 fees from the node, signs
 * locally and calls eth_sendRawTransaction; one is done when it returned the hash.
 */
export async function measureViemSendRate(parameters: ViemSendRateParameters): Promise<ClosedLoopResult> {
  const { value } = parameters;
  const wallets = parameters.senders.map((key) =>
    createWalletClient({
      account: privateKeyToAccount(key),
      chain: foundry,
      transport: http(parameters.rpcUrl),
    }),
  );
  return runSendLoop({ ...parameters, senders: wallets }, async (wallet, to) => {
    await wallet.sendTransaction({ to, value });
  });
}
