import {
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackMint,
} from "@solana/spl-token";
import { type Connection, PublicKey } from "@solana/web3.js";
import { SharedReads } from "../sharedReads.ts";
import { AdapterError, type AssetInfo } from "../types.ts";
import { normalizeSolanaAddress } from "./normalizeSolanaAddress.ts";

/** An SPL mint as the adapter uses it. */
export interface SplToken {
  asset: AssetInfo;
  mintKey: PublicKey;
  /** The token program that owns the mint: Token or Token-2022. */
  programId: PublicKey;
}

/**
 * SPL mints by address, read once (decimals never change). A mint has no symbol on chain without a
 * metadata program, so the asset's symbol is the mint's address shortened (EPjF…Dt1v).
 */
export class SplTokens {
  readonly #connection: Connection;
  readonly #chainId: string;
  readonly #known = new SharedReads<string, SplToken>();

  constructor(connection: Connection, chainId: string) {
    this.#connection = connection;
    this.#chainId = chainId;
  }

  /** The token whose mint is at `address`, or UNKNOWN_ASSET saying why not. */
  resolve(address: string): Promise<SplToken> {
    return this.#known.get(address, () => this.#read(address));
  }

  /** The owner's associated token account for the token (what holds its balance). */
  accountOf(owner: PublicKey, token: SplToken): PublicKey {
    return getAssociatedTokenAddressSync(token.mintKey, owner, true, token.programId);
  }

  async #read(address: string): Promise<SplToken> {
    try {
      normalizeSolanaAddress(address);
    } catch (error) {
      if (!(error instanceof AdapterError)) throw error;
      throw new AdapterError("UNKNOWN_ASSET", `A token is named by its mint address: ${error.message}`);
    }
    const mintKey = new PublicKey(address);
    const account = await this.#connection.getAccountInfo(mintKey, "confirmed");
    if (account === null)
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${this.#chainId} has no account at ${address}: no mint there.`,
      );
    const programId = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID].find((id) => id.equals(account.owner));
    if (!programId) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${address} on ${this.#chainId} is not an SPL token mint: its owner is ${account.owner.toBase58()}.`,
      );
    }
    let decimals: number;
    try {
      decimals = unpackMint(mintKey, account, programId).decimals;
    } catch (error) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${address} on ${this.#chainId} is a token account, not a mint.`,
        { cause: error },
      );
    }
    return {
      asset: {
        id: `${this.#chainId}/${address}`,
        chainId: this.#chainId,
        kind: "TOKEN",
        symbol: `${address.slice(0, 4)}…${address.slice(-4)}`,
        decimals,
        address,
      },
      mintKey,
      programId,
    };
  }
}
