import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { RefchainError } from "./errors.ts";
import type { KeyPair } from "./keys.ts";
import { RefchainNode } from "./node.ts";
import { type Asset, NATIVE_ASSET } from "./state.ts";
import { TestChain } from "./testChain.ts";
import type { Transaction } from "./transaction.ts";
import { verifyChain } from "./verifyChain.ts";

/** One random step: who sends what, and how it may be wrong. */
const step = fc.record({
  from: fc.nat(3),
  to: fc.nat(3),
  kind: fc.constantFrom("transfer", "transfer", "transfer", "issue", "mint", "unknownAsset"),
  amount: fc.oneof(fc.bigInt({ min: 1n, max: 400n }), fc.bigInt({ min: 0n, max: 5_000n })),
  nonceShift: fc.constantFrom(0, 0, 0, 0, -1, 1, 2),
  forge: fc.boolean().map((b) => b && Math.random() < 0.1),
  // Steps of one batch are submitted concurrently and admitted in order; a batch ends with a block.
  batch: fc.nat(4),
});

function sumsPerAsset(state: Map<string, unknown>): {
  balances: Map<string, bigint>;
  supplies: Map<string, bigint>;
  negative: string[];
} {
  const balances = new Map<string, bigint>();
  const supplies = new Map<string, bigint>();
  const negative: string[] = [];
  for (const [key, value] of state) {
    if (key.startsWith("b|")) {
      const asset = key.split("|")[2] as string;
      balances.set(asset, (balances.get(asset) ?? 0n) + (value as bigint));
      if ((value as bigint) < 0n) negative.push(key);
    }
    if (key.startsWith("a|")) supplies.set((value as Asset).id, (value as Asset).supply);
  }
  return { balances, supplies, negative };
}

describe("refchain ledger properties", () => {
  test("random valid and invalid transactions conserve supply, never go negative, never accept a bad nonce, and replay to the same state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const chain = TestChain.open();
        try {
          const keys: KeyPair[] = [];
          for (let i = 0; i < 4; i++) keys.push(await chain.fundedKey(1_000n));
          const registered = await chain.send(keys[0] as KeyPair, { kind: "registerSubnet", name: "prop" });
          const subnet =
            registered.receipt?.events[0]?.type === "SubnetRegistered"
              ? registered.receipt.events[0].subnet
              : "";
          const issuedAssets: string[] = [];
          // The sender's next nonce as this test expects it; moves only when a transaction is admitted.
          const expected = new Map<string, bigint>(
            keys.map((k) => [k.address, chain.nonces.get(k.address) ?? 0n]),
          );

          const firstNonce = new Map(expected);
          const admitted: { from: string; nonce: bigint }[] = [];
          let batch: Promise<void>[] = [];
          let symbolCounter = 0;
          for (const s of steps) {
            const from = keys[s.from] as KeyPair;
            const to = keys[s.to] as KeyPair;
            const asset =
              issuedAssets.length > 0 && s.amount % 2n === 0n ? (issuedAssets[0] as string) : NATIVE_ASSET;
            const payload =
              s.kind === "issue"
                ? {
                    kind: "issueAsset" as const,
                    subnet,
                    symbol: `T${symbolCounter++}`,
                    decimals: 2,
                    supply: s.amount,
                    to: to.address,
                  }
                : s.kind === "mint"
                  ? {
                      kind: "mint" as const,
                      asset: issuedAssets[0] ?? "NONE",
                      to: to.address,
                      amount: s.amount,
                    }
                  : {
                      kind: "transfer" as const,
                      asset: s.kind === "unknownAsset" ? "NONE" : asset,
                      to: to.address,
                      amount: s.amount,
                      memo: "",
                    };
            const base = expected.get(from.address) as bigint;
            const nonce = base + BigInt(s.nonceShift);
            if (nonce < 0n) continue;
            const tx: Transaction = chain.sign(from, payload, { nonce });
            let raw = tx.raw;
            if (s.forge) {
              raw = new Uint8Array(tx.raw);
              raw[raw.length - 2] = (raw[raw.length - 2] as number) ^ 0x40;
            }
            // Optimistically advance; a refusal for another reason makes later steps of the batch gaps or replays.
            if (s.nonceShift === 0 && !s.forge && s.amount > 0n) expected.set(from.address, base + 1n);
            const forged = s.forge;
            batch.push(
              chain.node.submit(raw).then(
                () => {
                  // Admission callbacks run in admission order: this list is the order the chain accepted them.
                  expect(forged).toBe(false);
                  admitted.push({ from: from.address, nonce });
                  if (payload.kind === "issueAsset") issuedAssets.push(`${subnet}/${payload.symbol}`);
                },
                (error: unknown) => {
                  expect(error).toBeInstanceOf(RefchainError);
                  const reason = (error as RefchainError).reason;
                  // Shape is checked before signature, and signature before nonce and state.
                  if (s.amount === 0n) expect(reason).toBe("BAD_AMOUNT");
                  else if (forged) expect(reason).toBe("BAD_SIGNATURE");
                },
              ),
            );
            if (s.batch === 0) {
              await Promise.all(batch);
              batch = [];
              for (const k of keys) expected.set(k.address, chain.node.getNonce(k.address).pending);
              chain.node.produceBlock();
              const { balances, supplies, negative } = sumsPerAsset(chain.node.snapshotState());
              expect(negative).toEqual([]);
              for (const [id, supply] of supplies) expect(balances.get(id) ?? 0n).toBe(supply);
            }
          }
          await Promise.all(batch);
          // Never a replayed or out-of-order nonce: each sender's admitted nonces run on without gap or repeat.
          const next = new Map(firstNonce);
          for (const { from, nonce } of admitted) {
            expect(nonce).toBe(next.get(from));
            next.set(from, nonce + 1n);
          }
          const stateBefore = chain.node.snapshotState();
          const headBefore = chain.node.head;
          await chain.node.close();
          const { balances, supplies, negative } = sumsPerAsset(chain.node.snapshotState());
          expect(negative).toEqual([]);
          for (const [id, supply] of supplies) expect(balances.get(id) ?? 0n).toBe(supply);

          // Replaying every stored block from genesis reproduces each block's state commitment.
          const report = verifyChain(chain.dataDir);
          expect(report.problem).toBeUndefined();
          expect(report.ok).toBe(true);
          // A restart loads exactly the state the blocks say.
          const reopened = RefchainNode.open({ dataDir: chain.dataDir, blockTimeMs: 0, verifierThreads: 1 });
          try {
            expect(reopened.snapshotState()).toEqual(chain.node.snapshotState());
            expect(Buffer.from(reopened.head.stateRoot)).toEqual(Buffer.from(chain.node.head.stateRoot));
            expect(reopened.head.height).toBeGreaterThanOrEqual(headBefore.height);
            expect(stateBefore.size).toBeLessThanOrEqual(reopened.snapshotState().size);
          } finally {
            await reopened.close();
          }
        } finally {
          await chain.close().catch(() => undefined);
        }
      }),
      { numRuns: 25 },
    );
  });
});
