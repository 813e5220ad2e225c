import { reject } from "./errors.ts";
import {
  type Asset,
  assetKey,
  balanceKey,
  type LeafValue,
  NATIVE_ASSET,
  nonceKey,
  type Subnet,
  subnetKey,
} from "./state.ts";
import { MAX_AMOUNT, type Transaction } from "./transaction.ts";

export type ChainEvent =
  | {
      type: "Transfer";
      asset: string;
      subnet: string | null;
      from: string;
      to: string;
      amount: bigint;
      memo: string;
    }
  | { type: "SubnetRegistered"; subnet: string; owner: string; name: string }
  | {
      type: "AssetIssued";
      asset: string;
      subnet: string;
      symbol: string;
      decimals: number;
      issuer: string;
      supply: bigint;
      to: string;
    }
  | { type: "Minted"; asset: string; to: string; amount: bigint };

export interface ExecutionContext {
  /** Reads a leaf of the state the transaction executes on. */
  read(key: string): LeafValue | undefined;
  /** Height of the block the transaction goes into. */
  height: bigint;
  faucet: { address: string; enabled: boolean; maxPerRequest: bigint };
}

export interface Execution {
  writes: Map<string, LeafValue>;
  events: ChainEvent[];
}

/**
 * The ledger's rules: executes one transaction (its signature and stateless shape already checked)
 * against a state, returning the leaves it writes and the events it emits, or throwing the
 * RefchainError that refuses it. Pure: admission and `verify` replay share it.
 */
export function execute(tx: Transaction, ctx: ExecutionContext): Execution {
  const writes = new Map<string, LeafValue>();
  const read = (key: string) => (writes.has(key) ? writes.get(key) : ctx.read(key));
  const balance = (address: string, asset: string) =>
    (read(balanceKey(address, asset)) as bigint | undefined) ?? 0n;
  const events: ChainEvent[] = [];

  if (tx.expiry < ctx.height)
    reject("EXPIRED", `transaction expired at height ${tx.expiry}; next block is ${ctx.height}`);
  const expected = (read(nonceKey(tx.from)) as bigint | undefined) ?? 0n;
  if (tx.nonce < expected)
    reject("NONCE_USED", `nonce ${tx.nonce} of ${tx.from} is already used; next is ${expected}`);
  if (tx.nonce > expected)
    reject("NONCE_GAP", `nonce ${tx.nonce} of ${tx.from} leaves a gap; next is ${expected}`);
  writes.set(nonceKey(tx.from), expected + 1n);

  const move = (asset: Asset, from: string, to: string, amount: bigint, memo: string) => {
    const available = balance(from, asset.id);
    if (available < amount) {
      reject("INSUFFICIENT_FUNDS", `${from} holds ${available} base units of ${asset.id}; ${amount} needed`);
    }
    writes.set(balanceKey(from, asset.id), available - amount);
    writes.set(balanceKey(to, asset.id), balance(to, asset.id) + amount);
    events.push({ type: "Transfer", asset: asset.id, subnet: asset.subnet, from, to, amount, memo });
  };
  const assetOf = (id: string) =>
    (read(assetKey(id)) as Asset | undefined) ?? reject("UNKNOWN_ASSET", `no asset "${id}"`);

  const p = tx.payload;
  switch (p.kind) {
    case "registerSubnet": {
      // The id derives from the registering transaction, so it is unique and known before inclusion.
      const subnet: Subnet = { id: `s${tx.hash.slice(0, 16)}`, owner: tx.from, name: p.name };
      writes.set(subnetKey(subnet.id), subnet);
      events.push({ type: "SubnetRegistered", subnet: subnet.id, owner: subnet.owner, name: subnet.name });
      break;
    }
    case "issueAsset": {
      const subnet =
        (read(subnetKey(p.subnet)) as Subnet | undefined) ??
        reject("UNKNOWN_SUBNET", `no subnet "${p.subnet}"`);
      if (subnet.owner !== tx.from)
        reject("NOT_SUBNET_OWNER", `only ${subnet.owner} may issue assets in ${subnet.id}`);
      const id = `${subnet.id}/${p.symbol}`;
      if (read(assetKey(id)))
        reject("DUPLICATE_SYMBOL", `subnet ${subnet.id} already has an asset ${p.symbol}`);
      const asset: Asset = {
        id,
        subnet: subnet.id,
        symbol: p.symbol,
        decimals: p.decimals,
        issuer: tx.from,
        supply: p.supply,
      };
      writes.set(assetKey(id), asset);
      writes.set(balanceKey(p.to, id), balance(p.to, id) + p.supply);
      events.push({
        type: "AssetIssued",
        asset: id,
        subnet: subnet.id,
        symbol: p.symbol,
        decimals: p.decimals,
        issuer: tx.from,
        supply: p.supply,
        to: p.to,
      });
      break;
    }
    case "mint": {
      const asset = assetOf(p.asset);
      if (asset.issuer !== tx.from) reject("NOT_ISSUER", `only ${asset.issuer} may mint ${asset.id}`);
      if (asset.supply + p.amount > MAX_AMOUNT)
        reject("BAD_AMOUNT", `minting would take ${asset.id}'s supply past 2^128 − 1`);
      writes.set(assetKey(asset.id), { ...asset, supply: asset.supply + p.amount });
      writes.set(balanceKey(p.to, asset.id), balance(p.to, asset.id) + p.amount);
      events.push({ type: "Minted", asset: asset.id, to: p.to, amount: p.amount });
      break;
    }
    case "transfer":
      move(assetOf(p.asset), tx.from, p.to, p.amount, p.memo);
      break;
    case "faucet": {
      const { faucet } = ctx;
      if (!faucet.enabled) reject("FAUCET_DISABLED", "this chain has no faucet (not a dev chain)");
      if (tx.from !== faucet.address)
        reject("BAD_SIGNATURE", "only the faucet key may sign a faucet transaction");
      if (p.amount > faucet.maxPerRequest)
        reject("BAD_AMOUNT", `the faucet gives at most ${faucet.maxPerRequest} base units at once`);
      move(assetOf(NATIVE_ASSET), faucet.address, p.to, p.amount, "faucet");
      break;
    }
  }
  return { writes, events };
}
