// RPC methods that read accounts, each at the slot of the commitment it is asked at.
import { base58 } from "@scure/base";
import type { AccountSnapshot } from "./accountSnapshot.ts";
import type { RpcMethod } from "./clusterMethods.ts";
import {
  accountEncodingParam,
  checkSliceAndEncoding,
  dataSliceParam,
  encodeAccount,
} from "./encodeAccount.ts";
import type { LocalChain } from "./localChain.ts";
import { invalidParams } from "./rpcError.ts";
import { configParam, contextSlot, integerParam, pubkeyParam, required, withContext } from "./rpcParams.ts";
import { isTokenProgram, readMint, readTokenAccount, uiTokenAmount } from "./tokenAccounts.ts";

const MAX_MULTIPLE_ACCOUNTS = 100;

interface Filter {
  matches(data: Uint8Array): boolean;
}

function filtersParam(value: unknown): Filter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw invalidParams("Invalid params: invalid type, expected a sequence of filters");
  return value.map((filter: Record<string, unknown>) => {
    if (typeof filter.dataSize === "number") {
      const size = filter.dataSize;
      return { matches: (data: Uint8Array) => data.length === size };
    }
    const memcmp = filter.memcmp as { offset?: unknown; bytes?: unknown; encoding?: unknown } | undefined;
    if (memcmp && typeof memcmp.offset === "number" && typeof memcmp.bytes === "string") {
      const offset = memcmp.offset;
      const bytes =
        memcmp.encoding === "base64"
          ? new Uint8Array(Buffer.from(memcmp.bytes, "base64"))
          : base58.decode(memcmp.bytes);
      return {
        matches: (data: Uint8Array) =>
          data.length >= offset + bytes.length && bytes.every((byte, index) => data[offset + index] === byte),
      };
    }
    throw invalidParams("Invalid params: unsupported filter (dataSize and memcmp are served)");
  });
}

export function accountMethods(chain: LocalChain): Record<string, RpcMethod> {
  const context = { mintDecimals: chain.mintDecimals };

  const tokenAccountAt = (address: string, slot: number) => {
    const account = chain.account(address, slot);
    if (account === null) throw invalidParams("Invalid param: could not find account");
    const token = readTokenAccount(account.owner, account.data);
    if (token === null) throw invalidParams("Invalid param: not a Token account");
    const decimals = chain.mintDecimals(token.mint);
    if (decimals === null) throw invalidParams("Invalid param: could not find mint");
    return { account, token, decimals };
  };

  const encodeKeyed = (
    found: { address: string; account: AccountSnapshot }[],
    config: Record<string, unknown>,
  ): unknown[] => {
    const encoding = accountEncodingParam(config.encoding, "binary");
    const dataSlice = dataSliceParam(config.dataSlice);
    checkSliceAndEncoding(
      found.map(({ account }) => account),
      encoding,
      dataSlice,
    );
    return found.map(({ address, account }) => ({
      account: encodeAccount(account, encoding, dataSlice, context),
      pubkey: address,
    }));
  };

  return {
    getBalance: (params) => {
      required(params, 1);
      const address = pubkeyParam(params[0]);
      const slot = contextSlot(chain, configParam(params, 1));
      return withContext(slot, chain.account(address, slot)?.lamports ?? 0n);
    },
    getAccountInfo: (params) => {
      required(params, 1);
      const address = pubkeyParam(params[0]);
      const config = configParam(params, 1);
      const slot = contextSlot(chain, config);
      const account = chain.account(address, slot);
      const encoding = accountEncodingParam(config.encoding, "binary");
      const dataSlice = dataSliceParam(config.dataSlice);
      return withContext(
        slot,
        account === null ? null : encodeAccount(account, encoding, dataSlice, context),
      );
    },
    getMultipleAccounts: (params) => {
      required(params, 1);
      if (!Array.isArray(params[0])) throw invalidParams("Invalid params: invalid type, expected a sequence");
      const addresses = params[0].map(pubkeyParam);
      if (addresses.length > MAX_MULTIPLE_ACCOUNTS) {
        throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
      }
      const config = configParam(params, 1);
      const slot = contextSlot(chain, config);
      const encoding = accountEncodingParam(config.encoding, "base64");
      const dataSlice = dataSliceParam(config.dataSlice);
      const accounts = addresses.map((address) => chain.account(address, slot));
      checkSliceAndEncoding(accounts, encoding, dataSlice);
      return withContext(
        slot,
        accounts.map((account) =>
          account === null ? null : encodeAccount(account, encoding, dataSlice, context),
        ),
      );
    },
    getProgramAccounts: (params) => {
      required(params, 1);
      const program = pubkeyParam(params[0]);
      const config = configParam(params, 1);
      const slot = contextSlot(chain, config);
      const filters = filtersParam(config.filters);
      const found = chain
        .programAccounts(program, slot)
        .filter(({ account }) => filters.every((filter) => filter.matches(account.data)));
      const value = encodeKeyed(found, config);
      return config.withContext === true ? withContext(slot, value) : value;
    },
    getMinimumBalanceForRentExemption: (params) => {
      required(params, 1);
      return chain.minimumBalanceForRentExemption(integerParam(params[0], "usize"));
    },
    getTokenAccountBalance: (params) => {
      required(params, 1);
      const address = pubkeyParam(params[0]);
      const slot = contextSlot(chain, configParam(params, 1));
      const { token, decimals } = tokenAccountAt(address, slot);
      return withContext(slot, uiTokenAmount(token.amount, decimals));
    },
    getTokenSupply: (params) => {
      required(params, 1);
      const address = pubkeyParam(params[0]);
      const slot = contextSlot(chain, configParam(params, 1));
      const account = chain.account(address, slot);
      const mint = account === null ? null : readMint(account.owner, account.data);
      if (mint === null) throw invalidParams("Invalid param: not a Token mint");
      return withContext(slot, uiTokenAmount(mint.supply, mint.decimals));
    },
    getTokenAccountsByOwner: (params) => {
      required(params, 2);
      const owner = pubkeyParam(params[0]);
      const filter = (params[1] ?? {}) as { mint?: unknown; programId?: unknown };
      const config = configParam(params, 2);
      const slot = contextSlot(chain, config);
      let program: string;
      let mint: string | null = null;
      if (filter.mint !== undefined) {
        mint = pubkeyParam(filter.mint);
        const mintAccount = chain.account(mint, slot);
        if (mintAccount === null) throw invalidParams("Invalid param: could not find mint");
        if (!isTokenProgram(mintAccount.owner)) throw invalidParams("Invalid param: not a Token mint");
        program = mintAccount.owner;
      } else if (filter.programId !== undefined) {
        program = pubkeyParam(filter.programId);
        if (!isTokenProgram(program)) throw invalidParams("Invalid param: unrecognized Token program id");
      } else {
        throw invalidParams("Invalid params: expected { mint } or { programId }");
      }
      const found = chain.programAccounts(program, slot).filter(({ account }) => {
        const token = readTokenAccount(account.owner, account.data);
        return token !== null && token.owner === owner && (mint === null || token.mint === mint);
      });
      return withContext(slot, encodeKeyed(found, config));
    },
  };
}
