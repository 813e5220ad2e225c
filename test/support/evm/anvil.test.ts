import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createWalletClient, erc20Abi, getAddress, http, publicActions } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_ADDRESS_0, ANVIL_DEV_KEY_0, type Anvil, restartAnvil, startAnvil } from "./anvil.ts";
import { deployTestToken } from "./deployTestToken.ts";

const SUPPLY = 1_000_000n * 10n ** 6n;

describe("a real anvil with a real ERC-20", () => {
  let directory: string;
  let anvil: Anvil;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "anvil-test-"));
    anvil = await startAnvil({ stateFile: join(directory, "state.json") });
  });

  afterAll(async () => {
    await anvil?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const clientOf = (url: string) =>
    createWalletClient({
      account: privateKeyToAccount(ANVIL_DEV_KEY_0),
      transport: http(url),
      pollingInterval: 50,
    }).extend(publicActions);
  const balanceOf = (url: string, token: Address, holder: Address) =>
    clientOf(url).readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [holder] });
  const transfer = async (url: string, token: Address, to: Address, amount: bigint) => {
    const client = clientOf(url);
    const hash = await client.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: "transfer",
      args: [to, amount],
      chain: null,
    });
    // anvil answers eth_sendRawTransaction before its automined block is always readable: wait.
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
  };

  it("deploys the token, transfers it, and keeps it across a graceful restart but not past a kill", async () => {
    expect(anvil.url).toBe(`http://127.0.0.1:${anvil.port}`);
    const token = await deployTestToken({ rpcUrl: anvil.url, symbol: "USDT", decimals: 6, supply: SUPPLY });
    expect(token.address).toBe(getAddress(token.address));
    expect(token.deployer).toBe(ANVIL_DEV_ADDRESS_0);

    const client = clientOf(anvil.url);
    const read = <F extends "symbol" | "decimals" | "totalSupply">(functionName: F) =>
      client.readContract({ address: token.address, abi: erc20Abi, functionName });
    expect(await read("symbol")).toBe("USDT");
    expect(await read("decimals")).toBe(6);
    expect(await read("totalSupply")).toBe(SUPPLY);
    expect(await balanceOf(anvil.url, token.address, token.deployer)).toBe(SUPPLY);

    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    await transfer(anvil.url, token.address, recipient, 1_500_000n);
    expect(await balanceOf(anvil.url, token.address, recipient)).toBe(1_500_000n);
    expect(await balanceOf(anvil.url, token.address, token.deployer)).toBe(SUPPLY - 1_500_000n);

    // SIGTERM writes the state file; the new anvil loads it, on the same URL.
    const url = anvil.url;
    anvil = await restartAnvil(anvil);
    expect(anvil.url).toBe(url);
    expect(await balanceOf(url, token.address, recipient)).toBe(1_500_000n);
    expect(await balanceOf(url, token.address, token.deployer)).toBe(SUPPLY - 1_500_000n);

    // SIGKILL writes nothing: what happened since the last graceful stop is lost.
    await transfer(url, token.address, recipient, 500_000n);
    expect(await balanceOf(url, token.address, recipient)).toBe(2_000_000n);
    await anvil.kill();
    anvil = await restartAnvil(anvil);
    expect(await balanceOf(url, token.address, recipient)).toBe(1_500_000n);
  });

  it("refuses a transfer of more than the balance", async () => {
    const token = await deployTestToken({ rpcUrl: anvil.url, supply: 10n });
    const client = clientOf(anvil.url);
    await expect(
      client.simulateContract({
        address: token.address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [privateKeyToAccount(generatePrivateKey()).address, 11n],
      }),
    ).rejects.toThrow("TestToken: insufficient balance");
  });
});
