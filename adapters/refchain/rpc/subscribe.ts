import { decodeAddress } from "../chain/address.ts";
import { type BlockHeaderJson, headerToJson } from "../chain/block.ts";
import type { BlockEvent, RefchainNode } from "../chain/node.ts";
import { Params } from "./params.ts";
import type { TransferJson } from "./rpcSchema.ts";

/** Subscriptions take at most this many addresses to watch. */
export const MAX_WATCHED_ADDRESSES = 1_000;

// Converted once per block, however many subscribers there are; frozen because in-process
// subscribers all receive the same objects.
const headsOf = new WeakMap<BlockEvent, BlockHeaderJson>();
const transfersOf = new WeakMap<BlockEvent, TransferJson[]>();

function head(block: BlockEvent): BlockHeaderJson {
  let json = headsOf.get(block);
  if (!json) {
    json = Object.freeze(headerToJson(block.header));
    headsOf.set(block, json);
  }
  return json;
}

function transfers(block: BlockEvent): TransferJson[] {
  let list = transfersOf.get(block);
  if (!list) {
    const { hash: blockHash, height } = head(block);
    list = block.transactions.flatMap((tx, txIndex) =>
      tx.events.flatMap((event) =>
        event.type === "Transfer"
          ? [
              Object.freeze({
                height,
                blockHash,
                txHash: tx.hash,
                txIndex,
                asset: event.asset,
                subnet: event.subnet,
                from: event.from,
                to: event.to,
                amount: event.amount.toString(),
                memo: event.memo,
              }),
            ]
          : [],
      ),
    );
    transfersOf.set(block, list);
  }
  return list;
}

/**
 * Starts a subscription from the params of `refchain_subscribe`: `["newHeads"]` or
 * `["transfers", {addresses?, asset?}]`. Validates them as a method would (throwing RpcError or
 * RefchainError), then calls `emit` with each JSON result of every durable block. Returns the
 * unsubscribe function.
 *
 * `emit` runs inside block production, so it must only hand the result on (queue it, write it to a
 * socket buffer): it must never wait, and an exception it throws is caught here so that one bad
 * subscriber cannot stop the chain.
 */
export function subscribe(node: RefchainNode, params: unknown, emit: (result: unknown) => void): () => void {
  const p = new Params("refchain_subscribe", params, ["kind", "filter"]);
  const kind = p.string(0, "kind", {
    expected: '"newHeads" or "transfers"',
    pattern: /^(newHeads|transfers)$/,
  });
  const safeEmit = (result: unknown) => {
    try {
      emit(result);
    } catch (error) {
      console.error("refchain: a subscription listener threw; the chain carries on", error);
    }
  };

  if (kind === "newHeads") {
    if (p.has(1)) p.invalid("params[1]", "absent: newHeads takes no filter", p.raw(1));
    return node.onBlock((block) => safeEmit(head(block)));
  }

  const filter = p.object(1, "filter", "an object {addresses?, asset?}") ?? {};
  for (const key of Object.keys(filter)) {
    if (key !== "addresses" && key !== "asset") {
      p.invalid(`params[1].${key}`, "absent: a filter has addresses and asset only", filter[key]);
    }
  }
  let addresses: Set<string> | undefined;
  if (filter.addresses !== undefined) {
    const list = filter.addresses;
    if (!Array.isArray(list) || list.length > MAX_WATCHED_ADDRESSES) {
      p.invalid("params[1].addresses", `an array of at most ${MAX_WATCHED_ADDRESSES} addresses`, list);
    }
    addresses = new Set(
      (list as unknown[]).map((address, i) => {
        if (typeof address !== "string") {
          return p.invalid(`params[1].addresses[${i}]`, "a refchain address (ref1…)", address);
        }
        decodeAddress(address);
        return address;
      }),
    );
  }
  const asset = filter.asset;
  if (asset !== undefined && typeof asset !== "string") p.invalid("params[1].asset", "an asset id", asset);

  return node.onBlock((block) => {
    for (const transfer of transfers(block)) {
      if (asset !== undefined && transfer.asset !== asset) continue;
      if (addresses && !addresses.has(transfer.from) && !addresses.has(transfer.to)) continue;
      safeEmit(transfer);
    }
  });
}
