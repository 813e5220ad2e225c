import { decodeAddress } from "../chain/address.ts";
import { headerToJson } from "../chain/block.ts";
import type { RefchainNode, TransactionInfo } from "../chain/node.ts";
import { NATIVE_ASSET } from "../chain/state.ts";
import { MAX_MEMO_BYTES, MAX_TX_BYTES } from "../chain/transaction.ts";
import { Params } from "./params.ts";
import { RpcError, RpcErrorCode } from "./rpcError.ts";
import type { ChainInfoJson, RefchainMethod, RefchainRpcSchema, TransactionJson } from "./rpcSchema.ts";
import { toWire } from "./toWire.ts";

type Result<M extends RefchainMethod> = RefchainRpcSchema[M]["result"];

/** Every refchain method, by name: what the HTTP and WebSocket server and the in-process transport call. */
export type RefchainMethodTable = {
  readonly [M in RefchainMethod]: (params: unknown) => Result<M> | Promise<Result<M>>;
};

export interface RefchainMethodsOptions {
  /** waitForTransaction waits this long when the caller names no timeout. Default 30 s. */
  defaultWaitMs?: number;
  /** and at most this long whatever the caller asks. Default 120 s. */
  maxWaitMs?: number;
  /** getBalances answers at most this many queries at once. Default 10 000. */
  maxBalanceQueries?: number;
}

const HASH = /^[0-9a-fA-F]{64}$/;
const HEIGHT = /^(0|[1-9][0-9]{0,19})$/;
const ID_LENGTH = 128;

/**
 * The JSON-RPC method table over a node. Everything that crosses it is JSON-safe (bigints as decimal
 * strings, bytes as hex), so the in-process transport can hand results over as they are and a
 * socket can stringify them, and both give the caller the same values.
 */
export function createRefchainMethods(
  node: RefchainNode,
  options: RefchainMethodsOptions = {},
): RefchainMethodTable {
  const defaultWaitMs = options.defaultWaitMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const maxBalanceQueries = options.maxBalanceQueries ?? 10_000;
  const genesis = node.getBlock(0n)?.header;
  if (!genesis) throw new Error("the node has no genesis block");
  const chainInfo: ChainInfoJson = {
    chainId: node.chainId,
    nativeAsset: NATIVE_ASSET,
    nativeDecimals: node.genesis.nativeDecimals,
    faucetAddress: node.faucetAddress,
    faucetEnabled: node.genesis.faucet.enabled,
    faucetMaxPerRequest: node.genesis.faucet.maxPerRequest,
    producer: node.genesis.producer,
    genesisHash: Buffer.from(genesis.hash).toString("hex"),
    blockTimeMs: node.blockTimeMs,
    maxTxPerBlock: node.maxTxPerBlock,
    maxTxBytes: MAX_TX_BYTES,
    maxMemoBytes: MAX_MEMO_BYTES,
  };
  const hashParam = (p: Params) =>
    p.string(0, "hash", { pattern: HASH, expected: "a transaction hash of 64 hex digits" }).toLowerCase();
  const idParam = (p: Params) => p.string(0, "id", { maxLength: ID_LENGTH });

  return {
    refchain_sendTransaction: (params) => {
      const p = new Params("refchain_sendTransaction", params, ["rawHex"]);
      return node.submit(p.hexBytes(0, "rawHex"));
    },

    refchain_waitForTransaction: async (params) => {
      const p = new Params("refchain_waitForTransaction", params, ["hash", "timeoutMs"]);
      const hash = hashParam(p);
      const timeoutMs = p.integer(1, "timeoutMs", { min: 0, max: maxWaitMs, fallback: defaultWaitMs });
      const timedOut = new RpcError(
        RpcErrorCode.Timeout,
        `transaction ${hash} was not included within ${timeoutMs} ms`,
        {
          hash,
          timeoutMs,
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut), timeoutMs);
      });
      try {
        // Resolves only once the block holding it is durable.
        return transactionToJson(await Promise.race([node.waitForInclusion(hash), timeout]));
      } finally {
        clearTimeout(timer);
      }
    },

    refchain_getTransaction: (params) => {
      const p = new Params("refchain_getTransaction", params, ["hash"]);
      const info = node.getTransaction(hashParam(p));
      return info ? transactionToJson(info) : null;
    },

    refchain_getBalances: (params) => {
      const p = new Params("refchain_getBalances", params, ["queries"]);
      const expected = "an array of {address, asset}";
      const queries = p.array(0, "queries", maxBalanceQueries, expected).map((query, i) => {
        const q = query as { address?: unknown; asset?: unknown } | null;
        if (typeof q !== "object" || q === null || Array.isArray(q)) {
          return p.invalid(`params[0][${i}]`, "an object {address, asset}", q);
        }
        if (typeof q.address !== "string") {
          return p.invalid(`params[0][${i}].address`, "a refchain address (ref1…)", q.address);
        }
        if (typeof q.asset !== "string" || q.asset.length > ID_LENGTH) {
          return p.invalid(
            `params[0][${i}].asset`,
            `an asset id of at most ${ID_LENGTH} characters`,
            q.asset,
          );
        }
        decodeAddress(q.address);
        return { address: q.address, asset: q.asset };
      });
      return node.getBalances(queries).map(String);
    },

    refchain_getNonce: (params) => {
      const p = new Params("refchain_getNonce", params, ["address"]);
      return toWire(node.getNonce(p.address(0, "address")));
    },

    refchain_getBlock: (params) => {
      const p = new Params("refchain_getBlock", params, ["height", "includeTransactions"]);
      const raw = p.raw(0);
      const includeTransactions = p.raw(1) ?? false;
      if (typeof includeTransactions !== "boolean") {
        return p.invalid("params[1] (includeTransactions)", "true or false", includeTransactions);
      }
      const expected = 'a height (decimal string or non-negative integer) or "latest"';
      let height: bigint;
      if (raw === "latest") height = node.head.height;
      else if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) height = BigInt(raw);
      else if (typeof raw === "string" && HEIGHT.test(raw)) height = BigInt(raw);
      else return p.invalid("params[0] (height)", expected, raw);
      // Nothing is stored beyond the head (and the store could not look up a height past 2^63 − 1).
      if (height > node.head.height) return null;
      const block = node.getBlock(height);
      if (!block) return null;
      const header = headerToJson(block.header);
      if (!includeTransactions) return { header, transactions: block.transactions };
      return { header, transactions: toWire(node.getBlockTransactions(height) ?? []) };
    },

    refchain_head: (params) => {
      Params.none("refchain_head", params);
      return headerToJson(node.head);
    },

    refchain_getSubnet: (params) => {
      const subnet = node.getSubnet(idParam(new Params("refchain_getSubnet", params, ["id"])));
      return subnet ? toWire(subnet) : null;
    },

    refchain_getAsset: (params) => {
      const asset = node.getAsset(idParam(new Params("refchain_getAsset", params, ["id"])));
      return asset ? toWire(asset) : null;
    },

    refchain_chainInfo: (params) => {
      Params.none("refchain_chainInfo", params);
      return { ...chainInfo };
    },

    refchain_requestFaucet: (params) => {
      const p = new Params("refchain_requestFaucet", params, ["address", "amount"]);
      // Checked here, before the node spends a faucet nonce on an address it cannot encode.
      const address = p.address(0, "address");
      return node.requestFaucet(address, p.amount(1, "amount"));
    },
  };
}

function transactionToJson(info: TransactionInfo): TransactionJson {
  const { tx } = info;
  const included = info.status === "included";
  return {
    hash: tx.hash,
    status: info.status,
    height: included && info.height !== undefined ? info.height.toString() : null,
    index: included ? (info.index ?? null) : null,
    blockHash: info.blockHash ? toWire(info.blockHash) : null,
    chainId: tx.chainId,
    from: tx.from,
    nonce: tx.nonce.toString(),
    expiry: tx.expiry.toString(),
    payload: toWire(tx.payload),
    raw: toWire(tx.raw),
    receipt: info.receipt ? toWire(info.receipt) : null,
  };
}
