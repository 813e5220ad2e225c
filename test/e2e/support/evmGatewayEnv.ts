/** anvil's chain (its default chain id), as the gateway names it. */
export const ANVIL_CHAIN = "eip155:31337";

/** The gateway's settings for anvil at `rpcUrl`: FINALIZED at `finalityDepth` confirmations, polled every 20 ms. */
export const evmGatewayEnv = (rpcUrl: string, finalityDepth: number) => ({
  EVM_RPC_URLS: rpcUrl,
  EVM_FINALITY_DEPTHS: `${ANVIL_CHAIN}=${finalityDepth}`,
  EVM_POLL_INTERVAL_MS: "20",
});
