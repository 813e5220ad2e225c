import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RejectReason } from "./errors.ts";
import { KeyPair } from "./keys.ts";
import { NATIVE_ASSET } from "./state.ts";
import { TestChain } from "./testChain.ts";
import { MAX_AMOUNT, type Transaction } from "./transaction.ts";

describe("refchain admission", () => {
  let chain: TestChain;
  let alice: KeyPair;
  let bob: KeyPair;
  let subnet: string;
  let asset: string;

  beforeAll(async () => {
    chain = TestChain.open();
    alice = await chain.fundedKey(10_000n);
    bob = await chain.fundedKey(10_000n);
    const registered = await chain.send(alice, { kind: "registerSubnet", name: "acme" });
    subnet =
      registered.receipt?.events[0]?.type === "SubnetRegistered" ? registered.receipt.events[0].subnet : "";
    const issued = await chain.send(alice, {
      kind: "issueAsset",
      subnet,
      symbol: "ACME",
      decimals: 2,
      supply: 500n,
      to: alice.address,
    });
    asset = issued.receipt?.events[0]?.type === "AssetIssued" ? issued.receipt.events[0].asset : "";
  });
  afterAll(() => chain.close());

  const refuse = async (tx: Transaction | Uint8Array, reason: RejectReason) => {
    const raw = tx instanceof Uint8Array ? tx : tx.raw;
    const before = chain.node.snapshotState();
    await expect(chain.node.submit(raw)).rejects.toMatchObject({ reason });
    chain.node.produceBlock();
    // A refused transaction changes nothing.
    expect(chain.node.snapshotState()).toEqual(before);
  };
  const transfer = (amount: bigint, memo = "") => ({
    kind: "transfer" as const,
    asset: NATIVE_ASSET,
    to: bob.address,
    amount,
    memo,
  });

  test("a transfer moves the amount between balances and emits a Transfer event", async () => {
    const info = await chain.send(alice, transfer(250n, "rent"));
    expect(info.receipt?.events).toEqual([
      {
        type: "Transfer",
        asset: NATIVE_ASSET,
        subnet: null,
        from: alice.address,
        to: bob.address,
        amount: 250n,
        memo: "rent",
      },
    ]);
    expect(
      chain.node.getBalances([
        { address: alice.address, asset: NATIVE_ASSET },
        { address: bob.address, asset: NATIVE_ASSET },
      ]),
    ).toEqual([9_750n, 10_250n]);
  });

  test("an issued asset crosses subnets: any account holds it and the supply is with the recipient", async () => {
    expect(chain.node.getAsset(asset)).toMatchObject({
      subnet,
      symbol: "ACME",
      decimals: 2,
      issuer: alice.address,
      supply: 500n,
    });
    await chain.send(alice, { kind: "transfer", asset, to: bob.address, amount: 20n, memo: "" });
    expect(chain.node.getBalances([{ address: bob.address, asset }])).toEqual([20n]);
    await chain.send(alice, { kind: "mint", asset, to: bob.address, amount: 5n });
    expect(chain.node.getAsset(asset)?.supply).toBe(505n);
  });

  test("bad signature", async () => {
    const tx = chain.sign(alice, transfer(1n));
    const forged = new Uint8Array(tx.raw);
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    await refuse(forged, "BAD_SIGNATURE");
  });
  test("wrong chain id", () =>
    refuse(chain.sign(alice, transfer(1n), { chainId: "refchain:other" }), "WRONG_CHAIN_ID"));
  test("nonce already used", () => refuse(chain.sign(alice, transfer(1n), { nonce: 0n }), "NONCE_USED"));
  test("nonce gap", () => refuse(chain.sign(alice, transfer(1n), { nonce: 99n }), "NONCE_GAP"));
  test("expired", () =>
    refuse(chain.sign(alice, transfer(1n), { expiry: chain.node.head.height }), "EXPIRED"));
  test("insufficient funds", () => refuse(chain.sign(alice, transfer(1_000_000n)), "INSUFFICIENT_FUNDS"));
  test("unknown asset", () =>
    refuse(
      chain.sign(alice, { kind: "transfer", asset: "NOPE", to: bob.address, amount: 1n, memo: "" }),
      "UNKNOWN_ASSET",
    ));
  test("unknown subnet", () =>
    refuse(
      chain.sign(alice, {
        kind: "issueAsset",
        subnet: "s0000",
        symbol: "X",
        decimals: 0,
        supply: 1n,
        to: alice.address,
      }),
      "UNKNOWN_SUBNET",
    ));
  test("not the issuer", () =>
    refuse(chain.sign(bob, { kind: "mint", asset, to: bob.address, amount: 1n }), "NOT_ISSUER"));
  test("not the subnet owner", () =>
    refuse(
      chain.sign(bob, {
        kind: "issueAsset",
        subnet,
        symbol: "BOB",
        decimals: 0,
        supply: 1n,
        to: bob.address,
      }),
      "NOT_SUBNET_OWNER",
    ));
  test("amount zero", () => refuse(chain.sign(alice, transfer(0n)), "BAD_AMOUNT"));
  test("amount above 2^128 − 1", () => refuse(chain.sign(alice, transfer(MAX_AMOUNT + 1n)), "BAD_AMOUNT"));
  test("memo too long", () => refuse(chain.sign(alice, transfer(1n, "x".repeat(257))), "MEMO_TOO_LONG"));
  test("malformed encoding", async () => {
    const tx = chain.sign(alice, transfer(1n));
    await refuse(tx.raw.subarray(0, 20), "MALFORMED");
    const trailing = new Uint8Array(tx.raw.length + 1);
    trailing.set(tx.raw.subarray(0, tx.raw.length - 64));
    trailing.set(tx.raw.subarray(tx.raw.length - 64), tx.raw.length - 63);
    await refuse(trailing, "MALFORMED");
  });
  test("oversize transaction", () => refuse(new Uint8Array(4096), "OVERSIZE"));
  test("a faucet transaction signed by anyone but the faucet", () =>
    refuse(chain.sign(alice, { kind: "faucet", to: alice.address, amount: 1n }), "BAD_SIGNATURE"));

  test("a faucet request to a bad address is refused and does not disturb the next one", async () => {
    await expect(chain.node.requestFaucet("ref1notanaddress", 5n)).rejects.toMatchObject({
      reason: "BAD_ADDRESS",
    });
    const key = KeyPair.generate();
    const { hash } = await chain.node.requestFaucet(key.address, 5n);
    await chain.node.waitForInclusion(hash);
    expect(chain.node.getBalances([{ address: key.address, asset: NATIVE_ASSET }])).toEqual([5n]);
  });

  test("a memo of exactly 256 bytes and an amount of exactly 2^128 − 1 are within limits", async () => {
    const ok = await chain.send(alice, transfer(1n, "é".repeat(128)));
    expect(ok.status).toBe("included");
    const whale = KeyPair.generate();
    const registered = await chain.send(alice, { kind: "registerSubnet", name: "whales" });
    const id =
      registered.receipt?.events[0]?.type === "SubnetRegistered" ? registered.receipt.events[0].subnet : "";
    const issued = await chain.send(alice, {
      kind: "issueAsset",
      subnet: id,
      symbol: "MAX",
      decimals: 0,
      supply: MAX_AMOUNT,
      to: whale.address,
    });
    expect(issued.status).toBe("included");
    await refuse(
      chain.sign(alice, { kind: "mint", asset: `${id}/MAX`, to: alice.address, amount: 1n }),
      "BAD_AMOUNT",
    );
  });
});
