import {
  createAssociatedTokenAccountIdempotentInstruction,
  createMint,
  getAssociatedTokenAddressSync,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  transferChecked,
} from "@solana/spl-token";
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SendTransactionError,
  SystemProgram,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type SolanaLocal, startSolanaLocal } from "./solanaLocal.ts";

// The endpoint through @solana/web3.js, as the gateway's adapter meets it: if Connection accepts every
// answer (it validates each against its schemas), the shapes are a validator's.

const MEMO_PROGRAM = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
const ATA_PROGRAM = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
const WAIT = { timeout: 20_000, interval: 10 };

function connect(local: SolanaLocal): Connection {
  const connection = new Connection(local.url, { commitment: "confirmed", wsEndpoint: local.wsUrl });
  // web3.js reuses a blockhash for 30 s, i.e. 75 slots of 400 ms; at 20 ms a slot it would be long expired.
  (connection as unknown as { _disableBlockhashCaching: boolean })._disableBlockhashCaching = true;
  return connection;
}

/** Connection's internal hook that confirmTransaction itself uses to learn a subscription is in place. */
function subscriptionStateObserver(connection: Connection) {
  return (
    connection as unknown as {
      _onSubscriptionStateChange(id: number, callback: (state: string) => void): () => void;
    }
  )._onSubscriptionStateChange.bind(connection);
}

async function rpc(local: SolanaLocal, body: unknown): Promise<unknown> {
  const response = await fetch(local.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

async function airdropped(connection: Connection, lamports = 10 * LAMPORTS_PER_SOL): Promise<Keypair> {
  const owner = Keypair.generate();
  const signature = await connection.requestAirdrop(owner.publicKey, lamports);
  const latest = await connection.getLatestBlockhash();
  await connection.confirmTransaction({ signature, ...latest });
  return owner;
}

function memo(signer: PublicKey, text: string): TransactionInstruction {
  return new TransactionInstruction({
    programId: MEMO_PROGRAM,
    keys: [{ pubkey: signer, isSigner: true, isWritable: false }],
    data: Buffer.from(text),
  });
}

/** A signed transfer on a blockhash of our choosing, as wire bytes. */
function signedTransfer(from: Keypair, to: PublicKey, lamports: number, blockhash: string): Buffer {
  const transaction = new Transaction({ feePayer: from.publicKey, recentBlockhash: blockhash }).add(
    SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }),
  );
  transaction.sign(from);
  return transaction.serialize();
}

describe("with the clock running (20 ms slots)", () => {
  let local: SolanaLocal;
  let connection: Connection;

  beforeAll(async () => {
    local = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 20 });
    connection = connect(local);
  });
  afterAll(async () => {
    await local?.close();
  });

  test("an airdrop is a faucet transfer in a block, confirmed over signatureSubscribe", async () => {
    const owner = Keypair.generate();
    const signature = await connection.requestAirdrop(owner.publicKey, 2 * LAMPORTS_PER_SOL);
    const latest = await connection.getLatestBlockhash();
    const confirmed = await connection.confirmTransaction({ signature, ...latest }, "confirmed");
    expect(confirmed.value.err).toBeNull();
    expect(await connection.getBalance(owner.publicKey)).toBe(2 * LAMPORTS_PER_SOL);
    const landed = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    expect(landed?.transaction.message.staticAccountKeys[1]?.toBase58()).toBe(owner.publicKey.toBase58());
    expect(landed?.meta?.postBalances[1]).toBe(2 * LAMPORTS_PER_SOL);
  });

  test("a SOL transfer: sendAndConfirmTransaction, balances, and a fee that is exactly what was charged", async () => {
    const [alice, bob] = [await airdropped(connection), Keypair.generate()];
    const transfer = new Transaction()
      .add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000 }))
      .add(
        SystemProgram.transfer({
          fromPubkey: alice.publicKey,
          toPubkey: bob.publicKey,
          lamports: LAMPORTS_PER_SOL,
        }),
      );
    const signature = await sendAndConfirmTransaction(connection, transfer, [alice]);
    const landed = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    const fee = landed?.meta?.fee ?? 0;
    // 5000 per signature + ceil(1000 µlamports × (3000 + 3000) reserved units / 1e6)
    expect(fee).toBe(5_006);
    const [aliceAccount, bobAccount] = await connection.getMultipleAccountsInfo([
      alice.publicKey,
      bob.publicKey,
    ]);
    expect(aliceAccount?.lamports).toBe(9 * LAMPORTS_PER_SOL - fee);
    expect(bobAccount?.lamports).toBe(LAMPORTS_PER_SOL);
    expect(landed?.meta?.preBalances.slice(0, 2)).toEqual([10 * LAMPORTS_PER_SOL, 0]);
    expect(landed?.meta?.postBalances.slice(0, 2)).toEqual([9 * LAMPORTS_PER_SOL - fee, LAMPORTS_PER_SOL]);
  });

  test("the default programs: SPL Token, Token-2022, Associated Token Account and Memo v2 are deployed", async () => {
    const programs = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, ATA_PROGRAM, MEMO_PROGRAM];
    const accounts = await connection.getMultipleAccountsInfo(programs);
    expect(accounts.map((account) => account?.executable)).toEqual([true, true, true, true]);
  });

  test("SPL: mint, associated token accounts, transferChecked; getBlock shows it with token balances", async () => {
    const owner = await airdropped(connection);
    const receiver = Keypair.generate();
    const mint = await createMint(connection, owner, owner.publicKey, null, 6);
    const source = await getOrCreateAssociatedTokenAccount(connection, owner, mint, owner.publicKey);
    await mintTo(connection, owner, mint, source.address, owner, 5_000_000n);
    const target = await getOrCreateAssociatedTokenAccount(connection, owner, mint, receiver.publicKey);
    expect(target.address.toBase58()).toBe(
      getAssociatedTokenAddressSync(mint, receiver.publicKey).toBase58(),
    );
    const signature = await transferChecked(
      connection,
      owner,
      source.address,
      mint,
      target.address,
      owner,
      1_250_000n,
      6,
    );

    const balance = await connection.getTokenAccountBalance(target.address);
    expect(balance.value).toEqual({ amount: "1250000", decimals: 6, uiAmount: 1.25, uiAmountString: "1.25" });
    const held = await connection.getTokenAccountsByOwner(receiver.publicKey, { mint });
    expect(held.value.map((keyed) => keyed.pubkey.toBase58())).toEqual([target.address.toBase58()]);
    const parsed = await connection.getParsedAccountInfo(target.address);
    expect(parsed.value?.data).toMatchObject({
      program: "spl-token",
      parsed: { type: "account", info: { mint: mint.toBase58(), tokenAmount: { amount: "1250000" } } },
    });

    const { slot } =
      (await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 })) ?? {};
    const block = await connection.getBlock(slot ?? -1, {
      maxSupportedTransactionVersion: 0,
      rewards: false,
    });
    const inBlock = block?.transactions.find((entry) => entry.transaction.signatures[0] === signature);
    const keys = inBlock?.transaction.message.staticAccountKeys.map((key) => key.toBase58()) ?? [];
    const at = (address: PublicKey) => keys.indexOf(address.toBase58());
    expect(inBlock?.meta?.err).toBeNull();
    expect(inBlock?.meta?.preTokenBalances).toEqual(
      expect.arrayContaining([
        {
          accountIndex: at(source.address),
          mint: mint.toBase58(),
          owner: owner.publicKey.toBase58(),
          programId: TOKEN_PROGRAM_ID.toBase58(),
          uiTokenAmount: { amount: "5000000", decimals: 6, uiAmount: 5, uiAmountString: "5" },
        },
        {
          accountIndex: at(target.address),
          mint: mint.toBase58(),
          owner: receiver.publicKey.toBase58(),
          programId: TOKEN_PROGRAM_ID.toBase58(),
          // The ledger stores a zero uiAmount as absent.
          uiTokenAmount: { amount: "0", decimals: 6, uiAmount: null, uiAmountString: "0" },
        },
      ]),
    );
    expect(inBlock?.meta?.postTokenBalances).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accountIndex: at(source.address),
          uiTokenAmount: { amount: "3750000", decimals: 6, uiAmount: 3.75, uiAmountString: "3.75" },
        }),
        expect.objectContaining({
          accountIndex: at(target.address),
          uiTokenAmount: { amount: "1250000", decimals: 6, uiAmount: 1.25, uiAmountString: "1.25" },
        }),
      ]),
    );
    const ownerIndex = at(owner.publicKey);
    expect(inBlock?.meta?.preBalances[ownerIndex]).toBe(
      (inBlock?.meta?.postBalances[ownerIndex] ?? 0) + (inBlock?.meta?.fee ?? 0),
    );
    expect(inBlock?.meta?.logMessages?.[0]).toBe(`Program ${TOKEN_PROGRAM_ID.toBase58()} invoke [1]`);
  });

  test("creating an associated token account idempotently, with a Memo v2 in the same transaction", async () => {
    const owner = await airdropped(connection);
    const mint = await createMint(connection, owner, owner.publicKey, null, 0);
    const address = getAssociatedTokenAddressSync(mint, owner.publicKey);
    const create = () =>
      new Transaction()
        .add(
          createAssociatedTokenAccountIdempotentInstruction(owner.publicKey, address, owner.publicKey, mint),
        )
        .add(memo(owner.publicKey, "order 42"));
    await sendAndConfirmTransaction(connection, create(), [owner]);
    const again = await sendAndConfirmTransaction(connection, create(), [owner]);
    const landed = await connection.getTransaction(again, { maxSupportedTransactionVersion: 0 });
    expect(landed?.meta?.err).toBeNull();
    expect(landed?.meta?.logMessages?.some((line) => line.includes("order 42"))).toBe(true);
    const signatures = await connection.getSignaturesForAddress(owner.publicKey, { limit: 1 });
    expect(signatures[0]?.memo).toBe("[8] order 42");
  });

  test("a transfer beyond the balance fails preflight with the program's logs, and nothing is charged", async () => {
    const poor = await airdropped(connection, LAMPORTS_PER_SOL);
    const { blockhash } = await connection.getLatestBlockhash();
    const raw = signedTransfer(poor, Keypair.generate().publicKey, 2 * LAMPORTS_PER_SOL, blockhash);
    const failure = await connection.sendRawTransaction(raw).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SendTransactionError);
    const error = failure as SendTransactionError;
    expect(error.message).toContain(
      "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1",
    );
    expect(error.logs).toEqual([
      "Program 11111111111111111111111111111111 invoke [1]",
      `Transfer: insufficient lamports ${LAMPORTS_PER_SOL - 5000}, need ${2 * LAMPORTS_PER_SOL}`,
      "Program 11111111111111111111111111111111 failed: custom program error: 0x1",
    ]);
    local.advanceSlots(2);
    expect(await connection.getBalance(poor.publicKey, "processed")).toBe(LAMPORTS_PER_SOL);
  });

  test("with skipPreflight a failing transfer lands failed, and its fee is taken", async () => {
    const poor = await airdropped(connection, LAMPORTS_PER_SOL);
    const { blockhash } = await connection.getLatestBlockhash();
    const raw = signedTransfer(poor, Keypair.generate().publicKey, 2 * LAMPORTS_PER_SOL, blockhash);
    const signature = await connection.sendRawTransaction(raw, { skipPreflight: true });
    const landed = await vi.waitFor(async () => {
      const found = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
      if (found === null) throw new Error("not yet confirmed");
      return found;
    }, WAIT);
    expect(landed.meta?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(landed.meta?.fee).toBe(5000);
    expect(await connection.getBalance(poor.publicKey)).toBe(LAMPORTS_PER_SOL - 5000);
  });

  test("a batch is answered in order, errors included", async () => {
    const answers = (await rpc(local, [
      { jsonrpc: "2.0", id: 1, method: "getGenesisHash" },
      { jsonrpc: "2.0", id: 2, method: "getSlot", params: [{ commitment: "processed" }] },
      { jsonrpc: "2.0", id: 3, method: "noSuchMethod" },
      { jsonrpc: "2.0", id: 4, method: "getBalance", params: ["not a key"] },
    ])) as { id: number; result?: unknown; error?: unknown }[];
    expect(answers.map((answer) => answer.id)).toEqual([1, 2, 3, 4]);
    expect(answers[0]?.result).toBe(local.chain.genesisHash);
    expect(typeof answers[1]?.result).toBe("number");
    expect(answers[2]?.error).toEqual({ code: -32601, message: "Method not found" });
    expect(answers[3]?.error).toEqual({ code: -32602, message: "Invalid param: Invalid" });
  });

  test("onSignature (signatureSubscribe) fires once the transaction is at the asked commitment", async () => {
    const alice = await airdropped(connection);
    const { blockhash } = await connection.getLatestBlockhash();
    const raw = signedTransfer(alice, Keypair.generate().publicKey, LAMPORTS_PER_SOL, blockhash);
    const signature = await connection.sendRawTransaction(raw);
    const notified = await new Promise<{ err: unknown; slot: number }>((resolve) => {
      connection.onSignature(
        signature,
        (result, context) => resolve({ err: result.err, slot: context.slot }),
        "finalized",
      );
    });
    expect(notified.err).toBeNull();
    const status = await connection.getSignatureStatus(signature);
    expect(status.value?.confirmationStatus).toBe("finalized");
  });

  test("simulateTransaction runs without keeping anything; replaceRecentBlockhash answers the blockhash used", async () => {
    const alice = await airdropped(connection);
    const transaction = new Transaction({
      feePayer: alice.publicKey,
      recentBlockhash: Keypair.generate().publicKey.toBase58(),
    }).add(memo(alice.publicKey, "just looking"));
    const message = new VersionedTransaction(transaction.compileMessage());
    const simulated = await connection.simulateTransaction(message, {
      replaceRecentBlockhash: true,
      sigVerify: false,
    });
    expect(simulated.value.err).toBeNull();
    expect(simulated.value.logs?.some((line) => line.includes("just looking"))).toBe(true);
    const replacement = (simulated.value as { replacementBlockhash?: { blockhash: string } })
      .replacementBlockhash;
    expect((await connection.isBlockhashValid(replacement?.blockhash ?? "")).value).toBe(true);
    expect(await connection.getBalance(alice.publicKey, "processed")).toBe(10 * LAMPORTS_PER_SOL);
  });

  test("a v0 transaction lands; reading it needs maxSupportedTransactionVersion, as on a validator", async () => {
    const alice = await airdropped(connection);
    const { blockhash } = await connection.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: alice.publicKey,
      recentBlockhash: blockhash,
      instructions: [memo(alice.publicKey, "v0")],
    }).compileToV0Message();
    const transaction = new VersionedTransaction(message);
    transaction.sign([alice]);
    const signature = await connection.sendTransaction(transaction);
    await connection.confirmTransaction({
      signature,
      blockhash,
      lastValidBlockHeight: Number.MAX_SAFE_INTEGER,
    });
    const landed = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    expect(landed?.version).toBe(0);
    expect(landed?.meta?.loadedAddresses).toEqual({ writable: [], readonly: [] });
    await expect(connection.getTransaction(signature)).rejects.toThrow(
      'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
    );
  });

  test("onAccountChange (accountSubscribe) sends the account as of the commitment", async () => {
    const watched = Keypair.generate();
    let id = 0;
    const changed = new Promise<number>((resolve) => {
      id = connection.onAccountChange(watched.publicKey, (account) => resolve(account.lamports), {
        commitment: "confirmed",
      });
    });
    // The airdrop goes out once the endpoint has acknowledged the subscription (web3.js's own signal).
    await new Promise<void>((resolve) => {
      const dispose = subscriptionStateObserver(connection)(id, (state) => {
        if (state !== "subscribed") return;
        dispose();
        resolve();
      });
    });
    await connection.requestAirdrop(watched.publicKey, LAMPORTS_PER_SOL);
    expect(await changed).toBe(LAMPORTS_PER_SOL);
    await connection.removeAccountChangeListener(id);
  });

  test("a Connection made from the URL alone finds the PubSub port (HTTP port + 1)", async () => {
    expect(Number(new URL(local.wsUrl).port)).toBe(Number(new URL(local.url).port) + 1);
    const plain = new Connection(local.url, "confirmed");
    const slot = await new Promise<number>((resolve) => {
      const id = plain.onSlotChange((info) => {
        void plain.removeSlotChangeListener(id);
        resolve(info.slot);
      });
    });
    expect(slot).toBeGreaterThan(0);
  });
});

describe("with slots advanced by hand", () => {
  let local: SolanaLocal;
  let connection: Connection;
  let payer: Keypair;

  beforeAll(async () => {
    local = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 0 });
    connection = connect(local);
    payer = Keypair.generate();
    await connection.requestAirdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL);
    local.advanceSlots(40);
  });
  afterAll(async () => {
    await local?.close();
  });

  const blockhashAt = async (commitment: "processed" | "finalized") =>
    (await connection.getLatestBlockhash(commitment)).blockhash;

  test("getSignatureStatuses: processed as soon as it is executed (before its block is sealed), then confirmed, finalized", async () => {
    const raw = signedTransfer(
      payer,
      Keypair.generate().publicKey,
      LAMPORTS_PER_SOL,
      await blockhashAt("finalized"),
    );
    const signature = await connection.sendRawTransaction(raw);
    const status = async () => (await connection.getSignatureStatuses([signature])).value[0];
    expect(await status()).toMatchObject({ confirmationStatus: "processed", confirmations: 0, err: null });
    local.advanceSlots(1);
    const processed = await status();
    expect(processed).toMatchObject({ confirmationStatus: "processed", confirmations: 0, err: null });
    // Not visible at a commitment whose slot is below the block's.
    expect(await connection.getTransaction(signature, { commitment: "confirmed" })).toBeNull();
    local.advanceSlots(1);
    expect(await status()).toMatchObject({ confirmationStatus: "confirmed", confirmations: 1 });
    expect(await connection.getTransaction(signature, { commitment: "confirmed" })).not.toBeNull();
    local.advanceSlots(30);
    expect(await status()).toMatchObject({ confirmationStatus: "finalized", confirmations: null });
  });

  test("balances read at a commitment are the state as of that commitment's slot", async () => {
    const receiver = Keypair.generate().publicKey;
    await connection.sendRawTransaction(
      signedTransfer(payer, receiver, LAMPORTS_PER_SOL, await blockhashAt("finalized")),
    );
    local.advanceSlots(1);
    expect(await connection.getBalance(receiver, "processed")).toBe(LAMPORTS_PER_SOL);
    expect(await connection.getBalance(receiver, "confirmed")).toBe(0);
    expect(await connection.getAccountInfo(receiver, "finalized")).toBeNull();
    local.advanceSlots(31);
    expect(await connection.getBalance(receiver, "finalized")).toBe(LAMPORTS_PER_SOL);
  });

  test("a blockhash more than 150 blocks old: Blockhash not found", async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("processed");
    local.advanceSlots(152);
    expect(await connection.getBlockHeight("processed")).toBeGreaterThan(lastValidBlockHeight);
    expect((await connection.isBlockhashValid(blockhash, { commitment: "processed" })).value).toBe(false);
    const raw = signedTransfer(payer, Keypair.generate().publicKey, LAMPORTS_PER_SOL, blockhash);
    const failure = (await connection.sendRawTransaction(raw).catch((error: unknown) => error)) as Error;
    expect(failure).toBeInstanceOf(SendTransactionError);
    expect(failure.message).toContain("Transaction simulation failed: Blockhash not found");
    const send = (preflightCommitment?: string) =>
      rpc(local, {
        jsonrpc: "2.0",
        id: 1,
        method: "sendTransaction",
        params: [raw.toString("base64"), { encoding: "base64", preflightCommitment }],
      }) as Promise<{ result?: string; error?: unknown }>;
    expect((await send("processed")).error).toEqual({
      code: -32002,
      message: "Transaction simulation failed: Blockhash not found",
      data: {
        accounts: null,
        err: "BlockhashNotFound",
        innerInstructions: null,
        logs: [],
        replacementBlockhash: null,
        returnData: null,
        unitsConsumed: 0,
      },
    });
    // The default preflight bank (finalized) is 31 slots behind and still knows the blockhash: a
    // validator takes the transaction, and the leader drops it.
    const { result: signature } = await send(undefined);
    expect(typeof signature).toBe("string");
    local.advanceSlots(1);
    expect((await connection.getSignatureStatuses([signature as string])).value).toEqual([null]);
  });

  test("the same transaction twice: dropped while only the tip has it, AlreadyProcessed once finalized", async () => {
    local.advanceSlots(1);
    const receiver = Keypair.generate().publicKey;
    const raw = signedTransfer(payer, receiver, LAMPORTS_PER_SOL, await blockhashAt("finalized"));
    const signature = await connection.sendRawTransaction(raw);
    // The preflight bank (confirmed, the connection's commitment) has not seen it: the copy is accepted
    // and never runs.
    expect(await connection.sendRawTransaction(raw)).toBe(signature);
    local.advanceSlots(32);
    expect(await connection.getBalance(receiver, "finalized")).toBe(LAMPORTS_PER_SOL);
    const again = (await connection.sendRawTransaction(raw).catch((error: unknown) => error)) as Error;
    expect(again.message).toContain("This transaction has already been processed");
    expect(await connection.sendRawTransaction(raw, { skipPreflight: true })).toBe(signature);
    local.advanceSlots(1);
    expect(await connection.getBalance(receiver, "processed")).toBe(LAMPORTS_PER_SOL);
  });

  test("a forged signature is refused before simulation", async () => {
    const raw = signedTransfer(payer, Keypair.generate().publicKey, 1, await blockhashAt("finalized"));
    raw[10] = (raw[10] ?? 0) ^ 0xff;
    const answer = (await rpc(local, {
      jsonrpc: "2.0",
      id: 1,
      method: "sendTransaction",
      params: [raw.toString("base64"), { encoding: "base64" }],
    })) as { error: unknown };
    expect(answer.error).toEqual({ code: -32003, message: "Transaction signature verification failure" });
  });

  test("dropIncoming: sent transactions are answered and never land; preflight still refuses; off again, they land", async () => {
    const receiver = Keypair.generate().publicKey;
    const blockhash = await blockhashAt("finalized");
    const raw = signedTransfer(payer, receiver, LAMPORTS_PER_SOL, blockhash);
    const payerBefore = await connection.getBalance(payer.publicKey, "processed");
    local.dropIncoming(true);
    try {
      const signature = await connection.sendRawTransaction(raw);
      expect(await connection.sendRawTransaction(raw, { skipPreflight: true })).toBe(signature);
      // Preflight runs as before: a transfer the payer cannot afford is refused, not dropped.
      const tooMuch = signedTransfer(payer, receiver, 1_000 * LAMPORTS_PER_SOL, blockhash);
      const refusal = (await connection
        .sendRawTransaction(tooMuch)
        .catch((error: unknown) => error)) as Error;
      expect(refusal).toBeInstanceOf(SendTransactionError);
      expect(local.chain.dropped).toEqual([signature, signature]);
      local.advanceSlots(32);
      expect(
        (await connection.getSignatureStatuses([signature], { searchTransactionHistory: true })).value,
      ).toEqual([null]);
      expect(await connection.getTransaction(signature, { commitment: "finalized" })).toBeNull();
      expect(await connection.getAccountInfo(receiver, "processed")).toBeNull();
      expect(await connection.getBalance(payer.publicKey, "processed")).toBe(payerBefore);
    } finally {
      local.dropIncoming(false);
    }
    // Off again: the chain never saw the dropped bytes, so they are new to it and land while still valid.
    const signature = await connection.sendRawTransaction(raw);
    local.advanceSlots(1);
    expect((await connection.getSignatureStatuses([signature])).value[0]).toMatchObject({ err: null });
    expect(await connection.getBalance(receiver, "processed")).toBe(LAMPORTS_PER_SOL);
    expect(local.chain.dropped).toHaveLength(2);
  });

  test("getFeeForMessage prices the message; an unknown blockhash gives null", async () => {
    const message = new Transaction({
      feePayer: payer.publicKey,
      recentBlockhash: await blockhashAt("finalized"),
    })
      .add(memo(payer.publicKey, "hi"))
      .compileMessage();
    expect((await connection.getFeeForMessage(message)).value).toBe(5000);
    message.recentBlockhash = Keypair.generate().publicKey.toBase58();
    expect((await connection.getFeeForMessage(message)).value).toBeNull();
  });
});
