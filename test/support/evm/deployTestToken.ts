import { readFileSync } from "node:fs";
import { type Abi, type Address, createWalletClient, getAddress, type Hex, http, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_DEV_KEY_0 } from "./anvil.ts";

export interface DeployTestTokenParameters {
  rpcUrl: string;
  /** The deployer, who receives the whole supply. Default: anvil's dev account 0. */
  privateKey?: Hex;
  /** Default "Test Token". */
  name?: string;
  /** Default "TST". */
  symbol?: string;
  /** Default 18. */
  decimals?: number;
  /** In base units (10^decimals of them make one token). */
  supply: bigint;
}

// Read rather than imported: Node 20 flags JSON modules as experimental and would warn on every run.
// (Not via compileTestToken.ts's constant either: importing that loads the whole compiler.)
const artifact = JSON.parse(readFileSync(new URL("./TestToken.json", import.meta.url), "utf8")) as {
  abi: Abi;
  bytecode: Hex;
};

/**
 * Deploys TestToken.sol (as compiled into TestToken.json) and resolves once the deployment is mined.
 * Read it with viem's `erc20Abi`: the token is a standard ERC-20.
 */
export async function deployTestToken(
  parameters: DeployTestTokenParameters,
): Promise<{ address: Address; deployer: Address }> {
  const { rpcUrl, name = "Test Token", symbol = "TST", decimals = 18, supply } = parameters;
  const account = privateKeyToAccount(parameters.privateKey ?? ANVIL_DEV_KEY_0);
  // viem polls every 4 s by default (a mainnet block time); a dev node mines in milliseconds.
  const client = createWalletClient({ account, transport: http(rpcUrl), pollingInterval: 50 }).extend(
    publicActions,
  );
  const hash = await client.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [name, symbol, decimals, supply],
    // No chain object: viem asks the node for its chain id.
    chain: null,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new Error(`deploying TestToken (${symbol}) failed: transaction ${hash} ${receipt.status}`);
  }
  return { address: getAddress(receipt.contractAddress), deployer: account.address };
}
