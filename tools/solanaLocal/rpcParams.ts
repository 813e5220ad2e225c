// Reading JSON-RPC params the way an agave validator does, refusing with its messages.
import { base58 } from "@scure/base";
import type { Commitment } from "./ledger.ts";
import type { LocalChain } from "./localChain.ts";
import { INVALID_PARAMS, invalidParams, MIN_CONTEXT_SLOT_NOT_REACHED, RpcError } from "./rpcError.ts";

/** The RPC version the endpoint answers as (getVersion, context.apiVersion). */
export const API_VERSION = "2.2.16";

export type Params = readonly unknown[];

export function asParams(params: unknown): Params {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params;
  throw invalidParams("Invalid params: invalid type: map, expected a sequence");
}

export function required(params: Params, count: number): void {
  if (params.length < count) {
    throw new RpcError(INVALID_PARAMS, `\`params\` should have at least ${count} argument(s)`);
  }
}

const typeName = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  if (typeof value === "object") return "map";
  if (typeof value === "string") return `string "${value}"`;
  return `${typeof value} \`${String(value)}\``;
};

export function stringParam(value: unknown): string {
  if (typeof value !== "string")
    throw invalidParams(`Invalid params: invalid type: ${typeName(value)}, expected a string`);
  return value;
}

export function integerParam(value: unknown, what = "u64"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalidParams(`Invalid params: invalid type: ${typeName(value)}, expected ${what}`);
  }
  return value;
}

/** The config object at `index`, or an empty one. */
export function configParam(params: Params, index: number): Record<string, unknown> {
  const value = params[index];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalidParams(`Invalid params: invalid type: ${typeName(value)}, expected a map`);
  }
  return value as Record<string, unknown>;
}

const COMMITMENTS: Record<string, Commitment> = {
  processed: "processed",
  confirmed: "confirmed",
  finalized: "finalized",
  // Names older clients still send.
  recent: "processed",
  single: "confirmed",
  singleGossip: "confirmed",
  root: "finalized",
  max: "finalized",
};

/** The commitment a config asks for; a validator's default is finalized. */
export function commitmentParam(
  config: Record<string, unknown>,
  fallback: Commitment = "finalized",
): Commitment {
  const value = config.commitment;
  if (value === undefined || value === null) return fallback;
  const commitment = typeof value === "string" ? COMMITMENTS[value] : undefined;
  if (commitment === undefined) {
    throw invalidParams(
      `Invalid params: unknown variant \`${String(value)}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``,
    );
  }
  return commitment;
}

/** Methods that read the ledger (blocks, transactions) accept confirmed and finalized only. */
export function confirmedOrFinalized(config: Record<string, unknown>): Commitment {
  const commitment = commitmentParam(config);
  if (commitment === "processed") throw invalidParams("Method does not support commitment below `confirmed`");
  return commitment;
}

/** The slot a read answers at: the commitment's, refused when below minContextSlot. */
export function contextSlot(chain: LocalChain, config: Record<string, unknown>): number {
  const slot = chain.commitmentSlot(commitmentParam(config));
  const minContextSlot = config.minContextSlot;
  if (typeof minContextSlot === "number" && slot < minContextSlot) {
    throw new RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached", {
      contextSlot: slot,
    });
  }
  return slot;
}

export function withContext<T>(
  slot: number,
  value: T,
): { context: { slot: number; apiVersion: string }; value: T } {
  return { context: { slot, apiVersion: API_VERSION }, value };
}

function decodeBase58(value: string): Uint8Array | null {
  try {
    return base58.decode(value);
  } catch {
    return null;
  }
}

/** A public key param: base58 of 32 bytes ("Invalid param: Invalid" / "WrongSize" otherwise). */
export function pubkeyParam(value: unknown): string {
  const text = stringParam(value);
  if (text.length > 44) throw invalidParams("Invalid param: WrongSize");
  const bytes = decodeBase58(text);
  if (bytes === null) throw invalidParams("Invalid param: Invalid");
  if (bytes.length !== 32) throw invalidParams("Invalid param: WrongSize");
  return text;
}

export function signatureParam(value: unknown): string {
  const text = stringParam(value);
  if (text.length > 88) throw invalidParams("Invalid param: WrongSize");
  const bytes = decodeBase58(text);
  if (bytes === null) throw invalidParams("Invalid param: Invalid");
  if (bytes.length !== 64) throw invalidParams("Invalid param: WrongSize");
  return text;
}

/** Bytes sent as base58 or base64 (sendTransaction, simulateTransaction, getFeeForMessage). */
export function decodeBinary(data: string, encoding: "base58" | "base64"): Uint8Array {
  if (encoding === "base58") {
    const bytes = decodeBase58(data);
    if (bytes === null) throw invalidParams("invalid base58 encoding: InvalidCharacter");
    return bytes;
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 === 1) {
    throw invalidParams("invalid base64 encoding: InvalidByte");
  }
  return new Uint8Array(Buffer.from(data, "base64"));
}
