import type { ChainEvent } from "./execute.ts";

/** What happened to an included transaction. Admission refuses failing transactions, so every receipt succeeds. */
export interface Receipt {
  status: "success";
  events: ChainEvent[];
}

const TRANSFER_KEYS = "type,asset,subnet,from,to,amount,memo";
const q = JSON.stringify;

/** JSON text with amounts as decimal strings: bigints never pass through a JS number. */
export function encodeReceipt(receipt: Receipt): string {
  // A block encodes a receipt per transaction, nearly all a single transfer: spelled out, that is 3x
  // cheaper than a replacer call per key, and the same text (the key check keeps it so).
  const [event, more] = receipt.events;
  if (
    event?.type === "Transfer" &&
    more === undefined &&
    receipt.status === "success" &&
    Object.keys(receipt).join() === "status,events" &&
    Object.keys(event).join() === TRANSFER_KEYS
  ) {
    return `{"status":"success","events":[{"type":"Transfer","asset":${q(event.asset)},"subnet":${q(event.subnet)},"from":${q(event.from)},"to":${q(event.to)},"amount":"${event.amount}","memo":${q(event.memo)}}]}`;
  }
  return JSON.stringify(receipt, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

const BIGINT_FIELDS = new Set(["amount", "supply"]);

export function decodeReceipt(text: string): Receipt {
  return JSON.parse(text, (key, value) =>
    BIGINT_FIELDS.has(key) && typeof value === "string" ? BigInt(value) : value,
  );
}
