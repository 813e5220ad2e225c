import type { BlockHeaderJson } from "../chain/block.ts";
import type { ChainEvent } from "../chain/execute.ts";
import type { Receipt } from "../chain/receipt.ts";
import type { Asset } from "../chain/state.ts";
import type { TxPayload } from "../chain/transaction.ts";
import type {
  AssetJson,
  BlockTransactionJson,
  ChainEventJson,
  ChainInfoJson,
  ReceiptJson,
  TransactionJson,
  TransferJson,
  TxPayloadJson,
} from "../rpc/rpcSchema.ts";
import type {
  BlockHeaderInfo,
  BlockTransaction,
  ChainInfo,
  TransactionView,
  TransferEvent,
} from "./refchainTypes.ts";

// The client's side of rpc/toWire.ts: JSON from the node back to typed values, each decimal string
// straight to a bigint.

export function headerFromWire(json: BlockHeaderJson): BlockHeaderInfo {
  return { ...json, height: BigInt(json.height), timestamp: BigInt(json.timestamp) };
}

export function payloadFromWire(json: TxPayloadJson): TxPayload {
  switch (json.kind) {
    case "registerSubnet":
      return json;
    case "issueAsset":
      return { ...json, supply: BigInt(json.supply) };
    case "mint":
    case "transfer":
    case "faucet":
      return { ...json, amount: BigInt(json.amount) } as TxPayload;
  }
}

export function eventFromWire(json: ChainEventJson): ChainEvent {
  switch (json.type) {
    case "SubnetRegistered":
      return json;
    case "AssetIssued":
      return { ...json, supply: BigInt(json.supply) };
    case "Transfer":
    case "Minted":
      return { ...json, amount: BigInt(json.amount) } as ChainEvent;
  }
}

export const receiptFromWire = (json: ReceiptJson): Receipt => ({
  status: json.status,
  events: json.events.map(eventFromWire),
});

export function transactionFromWire(json: TransactionJson): TransactionView {
  const fields = {
    hash: json.hash,
    chainId: json.chainId,
    from: json.from,
    nonce: BigInt(json.nonce),
    expiry: BigInt(json.expiry),
    payload: payloadFromWire(json.payload),
    raw: new Uint8Array(Buffer.from(json.raw, "hex")),
  };
  if (json.status === "pending") return { ...fields, status: "pending" };
  return {
    ...fields,
    status: "included",
    height: BigInt(json.height as string),
    index: json.index as number,
    blockHash: json.blockHash as string,
    receipt: receiptFromWire(json.receipt as ReceiptJson),
  };
}

export const assetFromWire = (json: AssetJson): Asset => ({ ...json, supply: BigInt(json.supply) });

export const chainInfoFromWire = (json: ChainInfoJson): ChainInfo => ({
  ...json,
  faucetMaxPerRequest: BigInt(json.faucetMaxPerRequest),
});

export const transferFromWire = (json: TransferJson): TransferEvent => ({
  ...json,
  height: BigInt(json.height),
  amount: BigInt(json.amount),
});

export const blockTransactionFromWire = (json: BlockTransactionJson): BlockTransaction => ({
  hash: json.hash,
  from: json.from,
  nonce: BigInt(json.nonce),
  events: json.events.map(eventFromWire),
});
