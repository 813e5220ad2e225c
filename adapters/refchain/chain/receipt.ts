import type { ChainEvent } from "./execute.ts";

/** What happened to an included transaction. Admission refuses failing transactions, so every receipt succeeds. */
export interface Receipt {
  status: "success";
  events: ChainEvent[];
}

/** JSON text with amounts as decimal strings: bigints never pass through a JS number. */
export function encodeReceipt(receipt: Receipt): string {
  return JSON.stringify(receipt, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

const BIGINT_FIELDS = new Set(["amount", "supply"]);

export function decodeReceipt(text: string): Receipt {
  return JSON.parse(text, (key, value) => (BIGINT_FIELDS.has(key) && typeof value === "string" ? BigInt(value) : value));
}
