import { base58 } from "@scure/base";
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  unpackAccount,
} from "@solana/spl-token";
import {
  type AccountInfo,
  type BlockhashWithExpiryBlockHeight,
  ComputeBudgetProgram,
  type Connection,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { formatAssetUnits as units } from "../formatBaseUnits.ts";
import { OpenWatches } from "../openWatches.ts";
import { SharedReads } from "../sharedReads.ts";
import {
  AdapterError,
  type AssetInfo,
  type AssetRef,
  type BalanceQuery,
  type ChainAdapter,
  type ChainDescription,
  type ChainHead,
  type KeyScheme,
  type PreparedTransaction,
  type Signer,
  type TransactionStatus,
  type TransferRequest,
  type WatchParameters,
} from "../types.ts";
import { watchPolledBlocks } from "../watchPolledBlocks.ts";
import { normalizeSolanaAddress } from "./normalizeSolanaAddress.ts";
import { observeSolanaBlock } from "./observeSolanaBlock.ts";
import { SlotIndex } from "./slotIndex.ts";
import { SplTokens } from "./splTokens.ts";
import { isUnreachable, refusalOf, toSolanaAdapterError } from "./toSolanaAdapterError.ts";

export const MEMO_PROGRAM_ID = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
const MAX_U64 = 2n ** 64n - 1n;
/** getMultipleAccounts takes at most 100 keys. */
const ACCOUNTS_PER_CALL = 100;
/** Size of an SPL token account (its rent-exempt minimum is what creating one costs). */
const TOKEN_ACCOUNT_SIZE = 165;
/** How long a blockhash, the fee per signature and rent minimums are reused (a blockhash lives ~60 s). */
const BLOCKHASH_TTL_MS = 2_000;
const CONSTANTS_TTL_MS = 60_000;
/** Compute units a transfer may use (system transfer ~150, token transfer ~6k, creating a token account ~25k, memo ~few k). */
const COMPUTE_UNITS = { native: 20_000, token: 80_000 };
/** Distinct compute limits handed out before repeating: what keeps two equal transfers in one blockhash's life apart. */
const UNIQUE_SPAN = 10_000;
/** How old a read of the sender may be for a transfer to reuse it (less than a slot). */
const SENDER_REUSE_MS = 250;
/** Accounts remembered before the memory is cleared. */
const RECENT_ACCOUNTS = 10_000;
const SIGNATURE = /^[1-9A-HJ-NP-Za-km-z]{64,88}$/;

export interface SolanaAdapterOptions {
  connection: Connection;
  description: ChainDescription;
  pollIntervalMs: number;
}

/**
 * The ChainAdapter for a Solana cluster over JSON-RPC with @solana/web3.js 1.x. SOL and SPL tokens
 * (Token and Token-2022 mints; balances are the owner's associated token account). Transactions are
 * signed by the vault's ed25519 keys with a recent blockhash: a transaction is valid until its
 * blockhash's last valid block height (validUntilHeight), after which it can never land, so the
 * tracker fails it EXPIRED safely; the signature is the hash that anchors it, and re-sending the
 * same bytes can never pay twice. Heights are block heights (consecutive), not slots; the watch
 * follows confirmed blocks.
 */
export class SolanaAdapter implements ChainAdapter {
  readonly keyScheme: KeyScheme = "ed25519";
  readonly description: ChainDescription;
  readonly #connection: Connection;
  readonly #pollIntervalMs: number;
  readonly #tokens: SplTokens;
  readonly #slots: SlotIndex;
  readonly #blockhashes = new SharedReads<"latest", BlockhashWithExpiryBlockHeight>({
    ttlMs: BLOCKHASH_TTL_MS,
  });
  // Fee per signature and rent minimums: cluster constants, read again once a minute.
  readonly #constants = new SharedReads<string, bigint>({ ttlMs: CONSTANTS_TTL_MS });
  readonly #watches = new OpenWatches();
  /** Accounts as last read (base58 key → info), for a payment to reuse what its balance check just read. */
  readonly #recentAccounts = new Map<string, { info: AccountInfo<Buffer> | null; at: number }>();
  // Two transfers equal in every field within one blockhash's life would be one transaction (same
  // signature): a distinct compute-unit limit per transfer keeps them two.
  #unique = Math.floor(Math.random() * UNIQUE_SPAN);
  #closed = false;

  constructor(options: SolanaAdapterOptions) {
    this.#connection = options.connection;
    this.description = options.description;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#tokens = new SplTokens(options.connection, options.description.id);
    this.#slots = new SlotIndex(options.connection);
  }

  get #id(): string {
    return this.description.id;
  }

  normalizeAddress(address: string): string {
    return normalizeSolanaAddress(address);
  }

  addressOf(publicKey: Uint8Array): string {
    return base58.encode(publicKey);
  }

  async resolveAsset(ref: AssetRef): Promise<AssetInfo> {
    if (ref.kind === "NATIVE") return this.description.nativeAsset;
    return (await this.#token(ref.address)).asset;
  }

  async getBalances(queries: readonly BalanceQuery[]): Promise<bigint[]> {
    if (queries.length === 0) return [];
    // What holds each balance: the address itself for SOL, its associated token account for a token.
    const holders = await Promise.all(
      queries.map(async ({ address, asset }) => {
        const owner = new PublicKey(this.normalizeAddress(address));
        const mint = this.#mintOf(asset);
        if (mint === null) return { key: owner, token: null };
        const token = await this.#token(mint);
        return { key: this.#tokens.accountOf(owner, token), token };
      }),
    );
    const accounts = await this.#accounts(
      holders.map(({ key }) => key),
      "read balances",
    );
    return holders.map(({ key, token }, index) => {
      const account = accounts[index] ?? null;
      if (account === null) return 0n;
      if (token === null) return BigInt(account.lamports);
      return unpackAccount(key, account, token.programId).amount;
    });
  }

  async head(): Promise<ChainHead> {
    try {
      const slot = await this.#connection.getSlot("confirmed");
      const block = await this.#slots.header(slot);
      if (block === null) throw new Error(`the confirmed slot ${slot} has no block`);
      return { height: block.height, hash: block.hash, timestamp: block.timestamp };
    } catch (error) {
      throw toSolanaAdapterError(error, this.#id, "read the head block");
    }
  }

  async prepareTransfer(request: TransferRequest): Promise<PreparedTransaction> {
    this.#checkOpen();
    const from = this.#senderOf(request.from);
    const to = new PublicKey(this.normalizeAddress(request.to));
    const { amount } = request;
    if (amount <= 0n || amount > MAX_U64) {
      throw new AdapterError(
        "BAD_AMOUNT",
        "A transfer moves more than zero and at most 2^64 − 1 base units.",
      );
    }
    const memo = request.memo ?? "";
    const memoBytes = Buffer.byteLength(memo, "utf8");
    const { maxMemoBytes } = this.description.capabilities;
    if (memoBytes > maxMemoBytes) {
      throw new AdapterError(
        "MEMO_TOO_LONG",
        `The memo is ${memoBytes} bytes of UTF-8; a transfer on ${this.#id} carries at most ${maxMemoBytes}.`,
      );
    }
    const mint = this.#mintOf(request.asset);
    const sol = this.description.nativeAsset;
    const rentMinimum = this.description.capabilities.minimumBalance;
    const [recent, feePerSignature] = await Promise.all([
      this.#recentBlockhash(),
      this.#feePerSignature(),
    ]).catch((error: unknown) => {
      throw toSolanaAdapterError(error, this.#id, "read the recent blockhash and fees");
    });

    const instructions: TransactionInstruction[] = [];
    let rent = 0n;
    let lamports: bigint;
    let moved: bigint; // lamports leaving the sender besides fee and rent
    if (mint === null) {
      // The receiver matters only to a transfer too small to open an account with: read it then alone.
      const small = amount < rentMinimum;
      const [sender, receiver] = await this.#accounts(small ? [from, to] : [from], "read the accounts", {
        reusable: from,
      });
      lamports = BigInt(sender?.lamports ?? 0);
      moved = amount;
      if (small && receiver === null) {
        throw new AdapterError(
          "BAD_AMOUNT",
          `${to.toBase58()} has no account yet, and a transfer that opens one must leave it rent-exempt: at least ${units(rentMinimum, sol)}, not ${units(amount, sol)}.`,
        );
      }
      instructions.push(SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports: amount }));
    } else {
      const token = await this.#token(mint);
      const source = this.#tokens.accountOf(from, token);
      const target = this.#tokens.accountOf(to, token);
      const [[sender, sourceAccount, targetAccount], tokenAccountRent] = await Promise.all([
        this.#accounts([from, source, target], "read the accounts", { reusable: from }),
        this.#rentExemptMinimum(TOKEN_ACCOUNT_SIZE).catch((error: unknown) => {
          throw toSolanaAdapterError(error, this.#id, "read the rent of a token account");
        }),
      ]);
      const held = sourceAccount ? unpackAccount(source, sourceAccount, token.programId).amount : 0n;
      if (held < amount) {
        throw new AdapterError(
          "INSUFFICIENT_FUNDS",
          `${from.toBase58()} holds ${units(held, token.asset)}; the transfer needs ${units(amount, token.asset)}.`,
        );
      }
      lamports = BigInt(sender?.lamports ?? 0);
      moved = 0n;
      if (!targetAccount) {
        // The receiver's token account is opened by the sender, who pays its rent (shown in the fee).
        rent = tokenAccountRent;
        instructions.push(
          createAssociatedTokenAccountIdempotentInstruction(from, target, to, token.mintKey, token.programId),
        );
      }
      instructions.push(
        createTransferCheckedInstruction(
          source,
          token.mintKey,
          target,
          from,
          amount,
          token.asset.decimals,
          [],
          token.programId,
        ),
      );
    }
    const fee = feePerSignature;
    const needed = moved + fee + rent;
    if (lamports < needed) {
      throw new AdapterError(
        "INSUFFICIENT_FUNDS",
        `${from.toBase58()} holds ${units(lamports, sol)}; the transfer needs ${units(needed, sol)}${mint === null ? "" : " in SOL"} (${[
          moved > 0n ? `${units(moved, sol)} sent` : null,
          `${units(fee, sol)} fee`,
          rent > 0n ? `${units(rent, sol)} rent for the receiver's token account` : null,
        ]
          .filter(Boolean)
          .join(", ")}).`,
      );
    }
    const left = lamports - needed;
    if (left > 0n && left < rentMinimum) {
      throw new AdapterError(
        "BAD_AMOUNT",
        `The transfer would leave ${from.toBase58()} with ${units(left, sol)}, below the rent-exempt minimum of ${units(rentMinimum, sol)}: send ${units(lamports - fee - rent, sol)} to empty it, or at most ${units(lamports - fee - rent - rentMinimum, sol)}.`,
      );
    }
    if (memoBytes > 0) {
      instructions.push(
        new TransactionInstruction({
          programId: MEMO_PROGRAM_ID,
          keys: [{ pubkey: from, isSigner: true, isWritable: false }],
          data: Buffer.from(memo, "utf8"),
        }),
      );
    }
    const unique = this.#unique++ % UNIQUE_SPAN;
    const limit = (mint === null ? COMPUTE_UNITS.native : COMPUTE_UNITS.token) + unique;
    const transaction = new Transaction({
      feePayer: from,
      blockhash: recent.blockhash,
      lastValidBlockHeight: recent.lastValidBlockHeight,
    }).add(ComputeBudgetProgram.setComputeUnitLimit({ units: limit }), ...instructions);
    const signature = await request.from.sign(transaction.serializeMessage());
    transaction.addSignature(from, Buffer.from(signature));
    // Not verified again here (web3.js would, in pure JavaScript, at a quarter of a payment's CPU):
    // the key was checked against the address above, and the cluster refuses a bad signature.
    const raw = transaction.serialize({ verifySignatures: false });
    return {
      hash: base58.encode(signature),
      raw: new Uint8Array(raw),
      nonce: null,
      validUntilHeight: BigInt(recent.lastValidBlockHeight),
      fee: fee + rent,
    };
  }

  async broadcast(prepared: PreparedTransaction): Promise<void> {
    try {
      await this.#connection.sendRawTransaction(prepared.raw, { preflightCommitment: "confirmed" });
      return;
    } catch (error) {
      if (isUnreachable(error)) throw toSolanaAdapterError(error, this.#id, "broadcast the transaction");
      // Idempotent: a signature the cluster already has is sent, whatever the refusal said.
      if ((await this.#status(prepared.hash)) !== null) return;
      const refusal = refusalOf(error) ?? (error instanceof Error ? error.message : String(error));
      if (/AlreadyProcessed|already been processed/i.test(refusal)) return;
      if (/Blockhash not found|BlockhashNotFound/i.test(refusal)) {
        // Expired for good once the chain is past its last valid height; until then, "not now".
        const height = await this.#connection.getBlockHeight("confirmed").catch(() => null);
        if (
          height !== null &&
          prepared.validUntilHeight !== null &&
          BigInt(height) > prepared.validUntilHeight
        ) {
          throw new AdapterError(
            "EXPIRED",
            `The transaction expired: its blockhash was valid until block height ${prepared.validUntilHeight}, and ${this.#id} is at ${height}. It can never land.`,
            { cause: error },
          );
        }
        throw new AdapterError(
          "UNAVAILABLE",
          `${this.#id} does not know the transaction's blockhash yet; it is sent again later.`,
          {
            cause: error,
          },
        );
      }
      throw toSolanaAdapterError(error, this.#id, "accept the transaction", { refusalsAreRejected: true });
    }
  }

  async getTransactionStatus(hash: string): Promise<TransactionStatus> {
    if (!SIGNATURE.test(hash)) return { state: "UNKNOWN" };
    try {
      const status = await this.#status(hash);
      if (status === null) return { state: "UNKNOWN" };
      // Processed but not yet confirmed: the watch (which follows confirmed blocks) has not seen it.
      if (status.confirmationStatus === "processed" || status.confirmationStatus === undefined)
        return { state: "PENDING" };
      const block = await this.#slots.header(status.slot);
      if (block === null) return { state: "PENDING" };
      if (status.err !== null) {
        return {
          state: "FAILED",
          height: block.height,
          reason: `The transaction failed on chain: ${JSON.stringify(status.err)}.`,
        };
      }
      // The fee (and any rent) was known when it was signed.
      return { state: "INCLUDED", height: block.height, blockHash: block.hash, fee: null };
    } catch (error) {
      throw toSolanaAdapterError(error, this.#id, "look the transaction up");
    }
  }

  async watch(parameters: WatchParameters): Promise<() => Promise<void>> {
    this.#checkOpen();
    let stop: () => Promise<void>;
    try {
      stop = await watchPolledBlocks({
        ...parameters,
        pollIntervalMs: this.#pollIntervalMs,
        source: {
          latest: async () => {
            const block = await this.#slots.header(await this.#connection.getSlot("confirmed"));
            if (block === null) throw new Error("the confirmed slot has no block");
            return { height: block.height, hash: block.hash };
          },
          hashAt: async (height) => {
            const slot = await this.#slots.slotOf(height);
            return slot === null ? null : ((await this.#slots.header(slot))?.hash ?? null);
          },
          observe: async (height) => {
            const slot = await this.#slots.slotOf(height);
            if (slot === null) return null;
            const block = await this.#connection.getBlock(slot, {
              commitment: "confirmed",
              maxSupportedTransactionVersion: 0,
              transactionDetails: "full",
              rewards: false,
            });
            if (block === null) return null;
            return observeSolanaBlock(block, {
              native: this.description.nativeAsset,
              token: async (mint) => (await this.#token(mint).catch(() => null))?.asset ?? null,
            });
          },
        },
      });
    } catch (error) {
      throw toSolanaAdapterError(error, this.#id, "watch blocks");
    }
    return this.#watches.track(stop);
  }

  /** requestAirdrop of SOL where the endpoint gives them (devnet, testnet, a local validator). */
  async faucet(address: string, asset: AssetInfo, amount: bigint): Promise<{ hash: string }> {
    if (!this.description.capabilities.faucet) {
      throw new AdapterError(
        "UNSUPPORTED",
        `${this.#id} has no faucet: airdrops are for devnet, testnet and local validators.`,
      );
    }
    if (this.#mintOf(asset) !== null) {
      throw new AdapterError(
        "UNSUPPORTED",
        `The ${this.#id} faucet airdrops SOL only, not ${asset.symbol}: send tokens from a wallet that holds them.`,
      );
    }
    const to = new PublicKey(this.normalizeAddress(address));
    if (amount <= 0n || amount > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new AdapterError("BAD_AMOUNT", "An airdrop gives more than zero and at most 2^53 − 1 lamports.");
    }
    let hash: string;
    try {
      hash = await this.#connection.requestAirdrop(to, Number(amount));
    } catch (error) {
      if (isUnreachable(error)) throw toSolanaAdapterError(error, this.#id, "request an airdrop");
      throw new AdapterError(
        "UNSUPPORTED",
        `${this.#id} refused the airdrop: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await this.getTransactionStatus(hash);
      if (status.state === "INCLUDED") return { hash };
      if (status.state === "FAILED") throw new Error(`the airdrop ${hash} failed: ${status.reason}`);
      if (Date.now() > deadline) {
        throw new AdapterError(
          "UNAVAILABLE",
          `${this.#id} took the airdrop ${hash} but did not confirm it within 60 s.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#pollIntervalMs, 100)));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watches.stopAll();
  }

  #checkOpen(): void {
    if (this.#closed) throw new AdapterError("UNAVAILABLE", `The ${this.#id} adapter is closed.`);
  }

  /** The sender's key, checked against its address: a signer lent for another key is a bug, not input. */
  #senderOf(signer: Signer): PublicKey {
    if (signer.scheme !== "ed25519") throw new Error(`Solana keys are ed25519, not ${signer.scheme}`);
    const address = base58.encode(signer.publicKey);
    if (signer.address !== address)
      throw new Error(`the signer says it is ${signer.address} but its public key is ${address}`);
    return new PublicKey(signer.publicKey);
  }

  /** The mint of a token asset of this chain, null for SOL. */
  #mintOf(asset: AssetInfo): string | null {
    if (asset.chainId !== this.#id) {
      throw new AdapterError(
        "UNKNOWN_ASSET",
        `${asset.id} is an asset of ${asset.chainId}, not of ${this.#id}.`,
      );
    }
    if (asset.kind === "NATIVE") return null;
    if (!asset.address) throw new AdapterError("UNKNOWN_ASSET", `${asset.id} names no mint.`);
    return asset.address;
  }

  #token(mint: string) {
    return this.#tokens.resolve(mint).catch((error: unknown) => {
      throw toSolanaAdapterError(error, this.#id, `look the mint ${mint} up`);
    });
  }

  /** Accounts by key at the confirmed commitment, at most 100 per call (all calls at once). */
  /**
   * Accounts by key at the confirmed commitment, at most 100 per call (all calls at once). The
   * `reusable` key (a transfer's sender) is not read again when it was read less than SENDER_REUSE_MS
   * ago: the payment's own balance check has usually just read it, and a confirmed read is a slot or
   * more old anyway. Every other key is read now.
   */
  async #accounts(
    keys: readonly PublicKey[],
    action: string,
    options: { reusable?: PublicKey } = {},
  ): Promise<(AccountInfo<Buffer> | null)[]> {
    const now = Date.now();
    // Base58 once per key: it is the map key everywhere below, and encoding it is not free.
    const names = keys.map((key) => key.toBase58());
    const found = new Map<string, AccountInfo<Buffer> | null>();
    const reusable = options.reusable?.toBase58();
    const seen = reusable === undefined ? undefined : this.#recentAccounts.get(reusable);
    if (reusable !== undefined && seen !== undefined && now - seen.at <= SENDER_REUSE_MS)
      found.set(reusable, seen.info);
    const missing = keys.filter((_, index) => !found.has(names[index] as string));
    const missingNames = names.filter((name) => !found.has(name));
    const chunks: PublicKey[][] = [];
    for (let start = 0; start < missing.length; start += ACCOUNTS_PER_CALL)
      chunks.push(missing.slice(start, start + ACCOUNTS_PER_CALL));
    let read: (AccountInfo<Buffer> | null)[];
    try {
      read = (
        await Promise.all(chunks.map((chunk) => this.#connection.getMultipleAccountsInfo(chunk, "confirmed")))
      ).flat();
    } catch (error) {
      throw toSolanaAdapterError(error, this.#id, action);
    }
    if (this.#recentAccounts.size > RECENT_ACCOUNTS) this.#recentAccounts.clear();
    missingNames.forEach((name, index) => {
      const info = read[index] ?? null;
      found.set(name, info);
      this.#recentAccounts.set(name, { info, at: now });
    });
    return names.map((name) => found.get(name) ?? null);
  }

  async #status(signature: string) {
    const { value } = await this.#connection.getSignatureStatuses([signature], {
      searchTransactionHistory: true,
    });
    return value[0] ?? null;
  }

  #recentBlockhash() {
    return this.#blockhashes.get("latest", () => this.#connection.getLatestBlockhash("confirmed"));
  }

  /** Lamports per signature, read from the cluster (getFeeForMessage of a one-signature transfer). */
  #feePerSignature(): Promise<bigint> {
    return this.#constants.get("fee", async () => {
      const { blockhash } = await this.#recentBlockhash();
      const payer = PublicKey.default;
      const message = new Transaction({ feePayer: payer, recentBlockhash: blockhash })
        .add(SystemProgram.transfer({ fromPubkey: payer, toPubkey: payer, lamports: 1 }))
        .compileMessage();
      const { value } = await this.#connection.getFeeForMessage(message, "confirmed");
      if (value === null) throw new Error("the cluster could not price a transaction");
      return BigInt(value);
    });
  }

  #rentExemptMinimum(size: number): Promise<bigint> {
    return this.#constants.get(`rent:${size}`, async () =>
      BigInt(await this.#connection.getMinimumBalanceForRentExemption(size, "confirmed")),
    );
  }
}
