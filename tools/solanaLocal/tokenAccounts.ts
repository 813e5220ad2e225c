// SPL Token and Token-2022 accounts and mints as a validator reads them for token balances,
// getTokenAccountBalance, getTokenAccountsByOwner and jsonParsed account data.
import { base58 } from "@scure/base";

export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

const TOKEN_ACCOUNT_LENGTH = 165;
const MINT_LENGTH = 82;
const MULTISIG_LENGTH = 355;
/** Token-2022 writes the account type right after the (padded) base state when extensions follow. */
const ACCOUNT_TYPE_OFFSET = 165;
const ACCOUNT_TYPE_MINT = 1;
const ACCOUNT_TYPE_ACCOUNT = 2;

export const isTokenProgram = (owner: string): boolean =>
  owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;

export interface TokenAccountState {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  state: "initialized" | "frozen";
  /** The rent-exempt reserve of a wrapped-SOL account; null for other mints. */
  nativeReserve: bigint | null;
  delegatedAmount: bigint;
  closeAuthority: string | null;
}

export interface MintState {
  mintAuthority: string | null;
  supply: bigint;
  decimals: number;
  freezeAuthority: string | null;
}

const view = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset, data.byteLength);

function optionalKey(data: Uint8Array, tagOffset: number): string | null {
  return view(data).getUint32(tagOffset, true) === 1
    ? base58.encode(data.subarray(tagOffset + 4, tagOffset + 36))
    : null;
}

function hasShape(programOwner: string, data: Uint8Array, baseLength: number, accountType: number): boolean {
  if (!isTokenProgram(programOwner)) return false;
  if (data.length === baseLength) return true;
  return (
    programOwner === TOKEN_2022_PROGRAM &&
    data.length > ACCOUNT_TYPE_OFFSET &&
    data.length !== MULTISIG_LENGTH &&
    data[ACCOUNT_TYPE_OFFSET] === accountType
  );
}

/** The token account held in `data`, or null when it is not an initialized token account. */
export function readTokenAccount(programOwner: string, data: Uint8Array): TokenAccountState | null {
  if (!hasShape(programOwner, data, TOKEN_ACCOUNT_LENGTH, ACCOUNT_TYPE_ACCOUNT)) return null;
  const state = data[108];
  if (state !== 1 && state !== 2) return null;
  const fields = view(data);
  return {
    mint: base58.encode(data.subarray(0, 32)),
    owner: base58.encode(data.subarray(32, 64)),
    amount: fields.getBigUint64(64, true),
    delegate: optionalKey(data, 72),
    state: state === 1 ? "initialized" : "frozen",
    nativeReserve: fields.getUint32(109, true) === 1 ? fields.getBigUint64(113, true) : null,
    delegatedAmount: fields.getBigUint64(121, true),
    closeAuthority: optionalKey(data, 129),
  };
}

/** The mint held in `data`, or null when it is not an initialized mint. */
export function readMint(programOwner: string, data: Uint8Array): MintState | null {
  if (!hasShape(programOwner, data, MINT_LENGTH, ACCOUNT_TYPE_MINT)) return null;
  if (data[45] !== 1) return null;
  return {
    mintAuthority: optionalKey(data, 0),
    supply: view(data).getBigUint64(36, true),
    decimals: data[44] ?? 0,
    freezeAuthority: optionalKey(data, 46),
  };
}

export interface UiTokenAmount {
  amount: string;
  decimals: number;
  uiAmount: number | null;
  uiAmountString: string;
}

/** Base units as a decimal string with trailing zeros trimmed ("0.001", "1", "0"). */
function realNumberStringTrimmed(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const padded = amount.toString().padStart(decimals + 1, "0");
  const withPoint = `${padded.slice(0, padded.length - decimals)}.${padded.slice(padded.length - decimals)}`;
  return withPoint.replace(/0+$/, "").replace(/\.$/, "");
}

export function uiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  return {
    amount: amount.toString(),
    decimals,
    uiAmount: Number(amount) / 10 ** decimals,
    uiAmountString: realNumberStringTrimmed(amount, decimals),
  };
}

/**
 * The amount as stored in a transaction's token balances: the ledger keeps uiAmount as a plain float and
 * gives a zero back as null, so getTransaction and getBlock answer `"uiAmount": null` for empty accounts.
 */
export function storedUiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  const ui = uiTokenAmount(amount, decimals);
  return ui.uiAmount === 0 ? { ...ui, uiAmount: null } : ui;
}

export const tokenProgramName = (programOwner: string): string =>
  programOwner === TOKEN_2022_PROGRAM ? "spl-token-2022" : "spl-token";

/** jsonParsed `parsed` of a token account. Token-2022 extensions are not decoded. */
export function parsedTokenAccount(account: TokenAccountState, decimals: number): unknown {
  return {
    info: {
      mint: account.mint,
      owner: account.owner,
      tokenAmount: uiTokenAmount(account.amount, decimals),
      ...(account.delegate === null
        ? {}
        : { delegate: account.delegate, delegatedAmount: uiTokenAmount(account.delegatedAmount, decimals) }),
      state: account.state,
      isNative: account.nativeReserve !== null,
      ...(account.nativeReserve === null
        ? {}
        : { rentExemptReserve: uiTokenAmount(account.nativeReserve, decimals) }),
      ...(account.closeAuthority === null ? {} : { closeAuthority: account.closeAuthority }),
    },
    type: "account",
  };
}

/** jsonParsed `parsed` of a mint. */
export function parsedMint(mint: MintState): unknown {
  return {
    info: {
      mintAuthority: mint.mintAuthority,
      supply: mint.supply.toString(),
      decimals: mint.decimals,
      isInitialized: true,
      freezeAuthority: mint.freezeAuthority,
    },
    type: "mint",
  };
}
