/**
 * Events as JSON text for the Redis bus, and back. JSON has no bigint, Date or bytes, so those travel
 * as one-key tagged objects ({"$bigint":"12"}, {"$date":"2026-…Z"}, {"$bytes":"base64"}) and are
 * rebuilt on the way in. Tagging by type rather than by field name keeps the codec right when a
 * record gains a bigint field. No record field is an object with one of these keys (events hold
 * strings, numbers, bigints, dates and bytes only), so a tag cannot be mistaken for data.
 */

const BIGINT = "$bigint";
const DATE = "$date";
const BYTES = "$bytes";

export function encodeBusMessage(value: unknown): string {
  // `this[key]` is the value before Date#toJSON turned it into a plain string.
  return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
    const original = this[key];
    if (typeof original === "bigint") return { [BIGINT]: original.toString() };
    if (original instanceof Date) return { [DATE]: original.toISOString() };
    if (original instanceof Uint8Array) return { [BYTES]: Buffer.from(original).toString("base64") };
    return encoded;
  });
}

export function decodeBusMessage(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (keys.length !== 1) return value;
    const tagged = (value as Record<string, unknown>)[keys[0] as string];
    if (typeof tagged !== "string") return value;
    switch (keys[0]) {
      case BIGINT:
        return BigInt(tagged);
      case DATE:
        return new Date(tagged);
      case BYTES:
        return new Uint8Array(Buffer.from(tagged, "base64"));
      default:
        return value;
    }
  });
}
