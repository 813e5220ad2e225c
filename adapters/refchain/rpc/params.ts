import { decodeAddress } from "../chain/address.ts";
import { RpcError, RpcErrorCode } from "./rpcError.ts";

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX = /^(0x)?((?:[0-9a-fA-F]{2})*)$/;

const describe = (value: unknown): string => {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return value.length > 40 ? `a string of ${value.length} characters` : `"${value}"`;
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
};

/**
 * Reads a method's positional params strictly. A param of the wrong type is an RpcError -32602 whose
 * message names the method and the param; a well-typed value the chain cannot use (an address with a
 * bad checksum) is the chain's own RefchainError, as the node would answer it.
 */
export class Params {
  readonly #list: readonly unknown[];

  constructor(
    readonly method: string,
    raw: unknown,
    names: readonly string[],
  ) {
    const list = raw === undefined ? [] : raw;
    if (!Array.isArray(list)) {
      this.#fail(`takes positional params [${names.join(", ")}], not ${describe(raw)}`);
    }
    if (list.length > names.length) {
      this.#fail(`takes at most ${names.length} params [${names.join(", ")}]; got ${list.length}`);
    }
    this.#list = list;
  }

  /** For a method without params: refuses any. */
  static none(method: string, raw: unknown): void {
    new Params(method, raw, []);
  }

  #fail(message: string): never {
    throw new RpcError(RpcErrorCode.InvalidParams, `Invalid params: ${this.method} ${message}`);
  }

  /** Fails naming the param at `index` (or a part of it, e.g. "queries[3].address"). */
  invalid(where: string, expected: string, got: unknown): never {
    return this.#fail(`${where} must be ${expected}; got ${describe(got)}`);
  }

  has(index: number): boolean {
    return this.#list[index] !== undefined;
  }

  raw(index: number): unknown {
    return this.#list[index];
  }

  string(
    index: number,
    name: string,
    options: { maxLength?: number; pattern?: RegExp; expected?: string } = {},
  ): string {
    const value = this.#list[index];
    const expected = options.expected ?? "a string";
    if (typeof value !== "string") return this.invalid(`params[${index}] (${name})`, expected, value);
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      return this.invalid(
        `params[${index}] (${name})`,
        `${expected} of at most ${options.maxLength} characters`,
        value,
      );
    }
    if (options.pattern && !options.pattern.test(value)) {
      return this.invalid(`params[${index}] (${name})`, expected, value);
    }
    return value;
  }

  /** A refchain address; a malformed one answers the chain's BAD_ADDRESS. */
  address(index: number, name: string): string {
    const value = this.string(index, name, { maxLength: 128, expected: "a refchain address (ref1…)" });
    decodeAddress(value);
    return value;
  }

  /** Base units as a decimal string: JSON numbers lose precision past 2^53, so they are refused. */
  amount(index: number, name: string): bigint {
    return BigInt(
      this.string(index, name, {
        maxLength: 78,
        pattern: DECIMAL,
        expected: "a decimal string of base units",
      }),
    );
  }

  hexBytes(index: number, name: string): Uint8Array {
    const value = this.string(index, name, { pattern: HEX, expected: "hex bytes" });
    return new Uint8Array(Buffer.from(value.startsWith("0x") ? value.slice(2) : value, "hex"));
  }

  /** An optional integer in [min, max]; `fallback` when absent. */
  integer(index: number, name: string, range: { min: number; max: number; fallback: number }): number {
    const value = this.#list[index];
    if (value === undefined) return range.fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
      return this.invalid(
        `params[${index}] (${name})`,
        `an integer from ${range.min} to ${range.max}`,
        value,
      );
    }
    return value;
  }

  /** An array of at most `maxLength` items. */
  array(index: number, name: string, maxLength: number, expected: string): unknown[] {
    const value = this.#list[index];
    if (!Array.isArray(value)) return this.invalid(`params[${index}] (${name})`, expected, value);
    if (value.length > maxLength) {
      return this.invalid(`params[${index}] (${name})`, `${expected} of at most ${maxLength} items`, value);
    }
    return value;
  }

  /** A plain object (not an array), or undefined when absent. */
  object(index: number, name: string, expected: string): Record<string, unknown> | undefined {
    const value = this.#list[index];
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.invalid(`params[${index}] (${name})`, expected, value);
    }
    return value as Record<string, unknown>;
  }
}
