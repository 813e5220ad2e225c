import {
  encodeFunctionData,
  erc20Abi,
  type Hex,
  type PublicClient,
  toHex,
  WaitForTransactionReceiptTimeoutError,
} from "viem";
import { AdapterError, type AssetInfo } from "../types.ts";

/** How long a faucet transfer may wait to be mined before the node counts as unavailable. */
const MINING_PATIENCE_MS = 60_000;
/** What the faucet account is topped up to when it runs low: a billion coins, more than any test spends. */
const FAUCET_FLOAT = 10n ** 27n;

/**
 * The faucet of a dev node (anvil): real transactions from the node's own unlocked accounts, so a
 * funded address sees an ordinary transfer (the gateway records it as RECEIVED). Native coin comes
 * from the node's last dev account, topped up with anvil_setBalance when low (the first accounts are
 * left to tools that deploy with them); a token comes from whichever dev account holds enough of it,
 * e.g. the one that deployed it. Sends are made one at a time, so they never race for a nonce.
 */
export class AnvilFaucet {
  readonly #client: PublicClient;
  readonly #accounts: readonly Hex[];
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(client: PublicClient, accounts: readonly Hex[]) {
    this.#client = client;
    this.#accounts = accounts;
  }

  /** The faucet when the node is anvil with unlocked accounts, null otherwise. */
  static async detect(client: PublicClient): Promise<AnvilFaucet | null> {
    const version = await client.request({ method: "web3_clientVersion" });
    if (!/^anvil\//i.test(version)) return null;
    const accounts = await devCall<Hex[]>(client, "eth_accounts", []);
    return accounts.length === 0 ? null : new AnvilFaucet(client, accounts);
  }

  /** Sends `amount` of the native coin (token null) or of `token` to `to`; resolves once it is in a block. */
  async fund(to: Hex, token: Hex | null, amount: bigint, asset: AssetInfo): Promise<{ hash: Hex }> {
    const sent = this.#queue.then(() =>
      token === null ? this.#sendNative(to, amount) : this.#sendToken(to, token, amount, asset),
    );
    this.#queue = sent.catch(() => {});
    const hash = await sent;
    let receipt: Awaited<ReturnType<PublicClient["waitForTransactionReceipt"]>>;
    try {
      receipt = await this.#client.waitForTransactionReceipt({
        hash,
        pollingInterval: 50,
        timeout: MINING_PATIENCE_MS,
      });
    } catch (error) {
      if (!(error instanceof WaitForTransactionReceiptTimeoutError)) throw error;
      throw new AdapterError(
        "UNAVAILABLE",
        `The dev node took the faucet transaction ${hash} but did not mine it within ${MINING_PATIENCE_MS / 1000} s: is its mining stalled or paused?`,
        { cause: error },
      );
    }
    if (receipt.status !== "success") throw new Error(`the faucet transaction ${hash} reverted`);
    return { hash };
  }

  async #sendNative(to: Hex, amount: bigint): Promise<Hex> {
    const from = this.#accounts.at(-1) as Hex;
    const balance = await this.#client.getBalance({ address: from });
    if (balance < amount + 10n ** 24n) {
      await devCall(this.#client, "anvil_setBalance", [from, toHex(amount + FAUCET_FLOAT)]);
    }
    return devCall<Hex>(this.#client, "eth_sendTransaction", [{ from, to, value: toHex(amount) }]);
  }

  async #sendToken(to: Hex, token: Hex, amount: bigint, asset: AssetInfo): Promise<Hex> {
    const holdings = await Promise.all(
      this.#accounts.map((account) =>
        this.#client.readContract({
          address: token,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [account],
        }),
      ),
    );
    const from = this.#accounts.find((_, index) => (holdings[index] ?? 0n) >= amount);
    if (from === undefined) {
      throw new AdapterError(
        "UNSUPPORTED",
        `None of the dev node's accounts holds enough ${asset.symbol} for the faucet: deploy or mint ${token} from one of them (e.g. anvil's first account), or fund the address from a wallet that holds it.`,
      );
    }
    const data = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, amount] });
    return devCall<Hex>(this.#client, "eth_sendTransaction", [{ from, to: token, data }]);
  }
}

/** A JSON-RPC method viem's public client does not type (dev-node and unlocked-account methods). */
function devCall<T = unknown>(client: PublicClient, method: string, params: unknown[]): Promise<T> {
  const request = client.request as unknown as (call: { method: string; params: unknown[] }) => Promise<T>;
  return request({ method, params });
}
