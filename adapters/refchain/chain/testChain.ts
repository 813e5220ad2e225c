import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyPair } from "./keys.ts";
import { RefchainNode, type RefchainNodeOptions } from "./node.ts";
import { signTransaction, type TxPayload } from "./transaction.ts";

/**
 * A throw-away chain for tests: a real node on a real SQLite file in a temporary directory.
 * Not a mock: everything it does goes through admission, blocks and storage.
 */
export class TestChain {
  readonly nonces = new Map<string, bigint>();
  private constructor(
    readonly node: RefchainNode,
    readonly dataDir: string,
  ) {}

  static open(options: Partial<RefchainNodeOptions> = {}): TestChain {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "refchain-test-"));
    return new TestChain(
      RefchainNode.open({ blockTimeMs: 0, verifierThreads: 1, ...options, dataDir }),
      dataDir,
    );
  }

  /** A new key holding `amount` REF base units, included. */
  async fundedKey(amount = 1_000_000n): Promise<KeyPair> {
    const key = KeyPair.generate();
    const { hash } = await this.node.requestFaucet(key.address, amount);
    await this.node.waitForInclusion(hash);
    return key;
  }

  /** Signs with the next nonce this helper tracks for the key (override with `nonce`). */
  sign(
    key: KeyPair,
    payload: TxPayload,
    options: { nonce?: bigint; expiry?: bigint; chainId?: string } = {},
  ) {
    const nonce = options.nonce ?? this.nonces.get(key.address) ?? 0n;
    const tx = signTransaction(
      {
        chainId: options.chainId ?? this.node.chainId,
        from: key.address,
        nonce,
        expiry: options.expiry ?? this.node.head.height + 1000n,
        payload,
      },
      key,
    );
    return tx;
  }

  /** Submits, then waits until the block holding it is durable; advances the tracked nonce. */
  async send(key: KeyPair, payload: TxPayload) {
    const tx = this.sign(key, payload);
    await this.node.submit(tx.raw);
    this.nonces.set(key.address, tx.nonce + 1n);
    return this.node.waitForInclusion(tx.hash);
  }

  async close(options: { keepData?: boolean } = {}): Promise<void> {
    await this.node.close();
    if (!options.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
