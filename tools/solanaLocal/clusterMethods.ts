// RPC methods about the cluster, slots and blocks.

import {
  encodeTransactionAccounts,
  encodeTransactionWithMeta,
  maxSupportedVersionParam,
  transactionDetailsParam,
  transactionEncodingParam,
} from "./encodeTransaction.ts";
import { epochAndSlotIndex, slotsInEpoch } from "./epochSchedule.ts";
import type { Block } from "./ledger.ts";
import { type LocalChain, MAX_PROCESSING_AGE } from "./localChain.ts";
import { blockNotAvailable, invalidParams } from "./rpcError.ts";
import {
  API_VERSION,
  configParam,
  confirmedOrFinalized,
  contextSlot,
  integerParam,
  type Params,
  required,
  stringParam,
  withContext,
} from "./rpcParams.ts";

export type RpcMethod = (params: Params) => unknown;

/** agave's limit on the slot range of getBlocks and getBlocksWithLimit. */
const MAX_GET_CONFIRMED_BLOCKS_RANGE = 500_000;
/** The feature-set id getVersion reports (agave 2.2's). */
const FEATURE_SET = 3294202862;

export interface ClusterInfo {
  rpcAddress: string;
  pubsubAddress: string;
}

export function clusterMethods(chain: LocalChain, cluster: ClusterInfo): Record<string, RpcMethod> {
  const sealedBlock = (slot: number, commitmentSlot: number): Block => {
    const block = slot <= commitmentSlot ? chain.block(slot) : undefined;
    if (block === undefined) throw blockNotAvailable(slot);
    return block;
  };

  return {
    getGenesisHash: () => chain.genesisHash,
    getVersion: () => ({ "feature-set": FEATURE_SET, "solana-core": API_VERSION }),
    getHealth: () => "ok",
    getIdentity: () => ({ identity: chain.identity }),
    getClusterNodes: () => [
      {
        featureSet: FEATURE_SET,
        gossip: null,
        pubkey: chain.identity,
        pubsub: cluster.pubsubAddress,
        rpc: cluster.rpcAddress,
        shredVersion: 0,
        tpu: null,
        tpuQuic: null,
        version: API_VERSION,
      },
    ],
    getSlot: (params) => contextSlot(chain, configParam(params, 0)),
    // Every slot has a block here, so the block height is the slot.
    getBlockHeight: (params) => contextSlot(chain, configParam(params, 0)),
    getSlotLeader: () => chain.identity,
    getFirstAvailableBlock: () => 0,
    minimumLedgerSlot: () => 0,
    getMaxRetransmitSlot: () => chain.latestSlot,
    getMaxShredInsertSlot: () => chain.latestSlot,
    getTransactionCount: (params) => {
      const slot = contextSlot(chain, configParam(params, 0));
      return (chain.block(slot) as Block).transactionCount;
    },
    getEpochSchedule: () => chain.epochSchedule,
    getEpochInfo: (params) => {
      const slot = contextSlot(chain, configParam(params, 0));
      const { epoch, slotIndex } = epochAndSlotIndex(chain.epochSchedule, slot);
      return {
        absoluteSlot: slot,
        blockHeight: slot,
        epoch,
        slotIndex,
        slotsInEpoch: slotsInEpoch(chain.epochSchedule, epoch),
        transactionCount: (chain.block(slot) as Block).transactionCount,
      };
    },
    getLatestBlockhash: (params) => {
      const slot = contextSlot(chain, configParam(params, 0));
      const block = chain.block(slot) as Block;
      return withContext(slot, {
        blockhash: block.blockhash,
        lastValidBlockHeight: block.blockHeight + MAX_PROCESSING_AGE,
      });
    },
    isBlockhashValid: (params) => {
      required(params, 1);
      const blockhash = stringParam(params[0]);
      const slot = contextSlot(chain, configParam(params, 1));
      return withContext(slot, chain.isBlockhashValid(blockhash, slot));
    },
    getBlock: (params) => {
      required(params, 1);
      const slot = integerParam(params[0]);
      const config = configParam(params, 1);
      const block = sealedBlock(slot, chain.commitmentSlot(confirmedOrFinalized(config)));
      const details = transactionDetailsParam(config.transactionDetails);
      const options = {
        encoding: transactionEncodingParam(config.encoding),
        maxSupportedTransactionVersion: maxSupportedVersionParam(config.maxSupportedTransactionVersion),
        showRewards: config.rewards !== false,
      };
      const header = {
        blockHeight: block.blockHeight,
        blockTime: block.blockTime,
        blockhash: block.blockhash,
        parentSlot: block.parentSlot,
        previousBlockhash: block.previousBlockhash,
        ...(options.showRewards ? { rewards: [] } : {}),
      };
      if (details === "none") return header;
      if (details === "signatures") {
        return { ...header, signatures: block.transactions.map((transaction) => transaction.signature) };
      }
      const encode = details === "accounts" ? encodeTransactionAccounts : encodeTransactionWithMeta;
      return {
        ...header,
        transactions: block.transactions.map((transaction) => encode(transaction, options)),
      };
    },
    getBlockTime: (params) => {
      required(params, 1);
      const slot = integerParam(params[0]);
      return sealedBlock(slot, chain.commitmentSlot("confirmed")).blockTime;
    },
    getBlocks: (params) => {
      required(params, 1);
      const start = integerParam(params[0]);
      // The end slot is optional and the config may take its place.
      const endGiven = typeof params[1] === "number";
      const config = configParam(params, endGiven ? 2 : 1);
      const highest = chain.commitmentSlot(confirmedOrFinalized(config));
      const end = endGiven ? integerParam(params[1]) : highest;
      if (end - start > MAX_GET_CONFIRMED_BLOCKS_RANGE) {
        throw invalidParams(`Slot range too large; max ${MAX_GET_CONFIRMED_BLOCKS_RANGE}`);
      }
      const slots: number[] = [];
      for (let slot = start; slot <= Math.min(end, highest); slot++) slots.push(slot);
      return slots;
    },
    getBlocksWithLimit: (params) => {
      required(params, 2);
      const start = integerParam(params[0]);
      const limit = integerParam(params[1], "usize");
      if (limit > MAX_GET_CONFIRMED_BLOCKS_RANGE) {
        throw invalidParams(`Limit too large; max ${MAX_GET_CONFIRMED_BLOCKS_RANGE}`);
      }
      const highest = chain.commitmentSlot(confirmedOrFinalized(configParam(params, 2)));
      const slots: number[] = [];
      for (let slot = start; slot < start + limit && slot <= highest; slot++) slots.push(slot);
      return slots;
    },
    getRecentPrioritizationFees: (params) => {
      const addresses = params[0] === undefined ? [] : (params[0] as unknown[]).map(stringParam);
      if (addresses.length > 128) throw invalidParams("Too many inputs provided; max 128");
      const wanted = new Set(addresses);
      const fees: { slot: number; prioritizationFee: bigint }[] = [];
      for (
        let slot = Math.max(1, chain.latestSlot - MAX_PROCESSING_AGE + 1);
        slot <= chain.latestSlot;
        slot++
      ) {
        // The least fee that landed in the slot, among transactions writing the named accounts.
        let least: bigint | null = null;
        for (const transaction of (chain.block(slot) as Block).transactions) {
          const touches =
            wanted.size === 0 ||
            transaction.accountKeys.some((key, index) => transaction.writable[index] && wanted.has(key));
          if (
            touches &&
            transaction.err === null &&
            (least === null || transaction.computeUnitPrice < least)
          ) {
            least = transaction.computeUnitPrice;
          }
        }
        fees.push({ slot, prioritizationFee: least ?? 0n });
      }
      return fees;
    },
  };
}
