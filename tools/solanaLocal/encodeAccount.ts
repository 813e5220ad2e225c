// An account as RPC answers it (UiAccount): data in the requested encoding, jsonParsed for token
// accounts and mints, base64 for anything else asked as jsonParsed (what a validator falls back to).
import { base58 } from "@scure/base";
import type { AccountSnapshot } from "./accountSnapshot.ts";
import { INVALID_REQUEST, invalidParams, RpcError } from "./rpcError.ts";
import {
  parsedMint,
  parsedTokenAccount,
  readMint,
  readTokenAccount,
  tokenProgramName,
} from "./tokenAccounts.ts";

export type AccountEncoding = "binary" | "base58" | "base64" | "jsonParsed";

const MAX_BASE58_BYTES = 128;

export function accountEncodingParam(value: unknown, fallback: AccountEncoding): AccountEncoding {
  if (value === undefined || value === null) return fallback;
  if (value === "binary" || value === "base58" || value === "base64" || value === "jsonParsed") return value;
  if (value === "base64+zstd")
    throw invalidParams("Invalid params: solanaLocal does not serve base64+zstd; use base64");
  throw invalidParams(
    `Invalid params: unknown variant \`${String(value)}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\``,
  );
}

export interface DataSlice {
  offset: number;
  length: number;
}

export function dataSliceParam(value: unknown): DataSlice | undefined {
  if (value === undefined || value === null) return undefined;
  const slice = value as Partial<DataSlice>;
  if (typeof slice.offset !== "number" || typeof slice.length !== "number") {
    throw invalidParams("Invalid params: missing field `offset` or `length` in dataSlice");
  }
  return { offset: slice.offset, length: slice.length };
}

export interface EncodeContext {
  mintDecimals: (mint: string) => number | null;
}

function parsedData(account: AccountSnapshot, context: EncodeContext): unknown | null {
  const token = readTokenAccount(account.owner, account.data);
  if (token !== null) {
    const decimals = context.mintDecimals(token.mint);
    if (decimals === null) return null;
    return {
      program: tokenProgramName(account.owner),
      parsed: parsedTokenAccount(token, decimals),
      space: account.data.length,
    };
  }
  const mint = readMint(account.owner, account.data);
  if (mint !== null) {
    return { program: tokenProgramName(account.owner), parsed: parsedMint(mint), space: account.data.length };
  }
  return null;
}

/** Methods refuse base58 of more than 128 bytes (after the slice) before encoding anything. */
export function checkSliceAndEncoding(
  accounts: readonly (AccountSnapshot | null)[],
  encoding: AccountEncoding,
  dataSlice: DataSlice | undefined,
): void {
  if (encoding !== "binary" && encoding !== "base58") return;
  for (const account of accounts) {
    if (account === null) continue;
    const length = dataSlice
      ? Math.max(0, Math.min(dataSlice.length, account.data.length - dataSlice.offset))
      : account.data.length;
    if (length > MAX_BASE58_BYTES) {
      throw new RpcError(
        INVALID_REQUEST,
        "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
      );
    }
  }
}

export function encodeAccount(
  account: AccountSnapshot,
  encoding: AccountEncoding,
  dataSlice: DataSlice | undefined,
  context: EncodeContext,
): unknown {
  const bytes = dataSlice
    ? account.data.subarray(dataSlice.offset, dataSlice.offset + dataSlice.length)
    : account.data;
  let data: unknown;
  if (encoding === "jsonParsed") {
    data = parsedData(account, context) ?? [Buffer.from(bytes).toString("base64"), "base64"];
  } else if (encoding === "base64") {
    data = [Buffer.from(bytes).toString("base64"), "base64"];
  } else {
    // What a validator writes where a method cannot refuse (notifications); methods refuse first.
    const text =
      bytes.length > MAX_BASE58_BYTES ? "error: data too large for bs58 encoding" : base58.encode(bytes);
    data = encoding === "base58" ? [text, "base58"] : text;
  }
  return {
    data,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: account.rentEpoch,
    space: account.data.length,
  };
}
