import {
  createMint,
  getAssociatedTokenAddressSync,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  transferChecked,
} from "@solana/spl-token";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  sendAndConfirmTransaction,
  Transaction,
} from "@solana/web3.js";

// A wallet the gateway knows nothing of, on a Solana endpoint: it owns a mint, mints tokens to
// anyone's address, and pays SOL and tokens straight on chain, as a customer's wallet would.

/** A Connection to `url` that asks for a fresh blockhash each time (see below), confirmed commitment. */
export function outsideConnection(url: string, wsUrl: string): Connection {
  const connection = new Connection(url, { commitment: "confirmed", wsEndpoint: wsUrl });
  // web3.js reuses a blockhash for 30 s; with 20 ms slots and advanceSlots that may be long expired.
  (connection as unknown as { _disableBlockhashCaching: boolean })._disableBlockhashCaching = true;
  return connection;
}

/** Airdrops `lamports` to `to` and waits until the transfer is confirmed. */
export async function airdrop(connection: Connection, to: PublicKey, lamports: bigint): Promise<string> {
  const signature = await connection.requestAirdrop(to, Number(lamports));
  const latest = await connection.getLatestBlockhash();
  const { value } = await connection.confirmTransaction({ signature, ...latest });
  if (value.err !== null) throw new Error(`the airdrop ${signature} failed: ${JSON.stringify(value.err)}`);
  return signature;
}

export interface OutsideWallet {
  connection: Connection;
  keypair: Keypair;
  address: string;
  /** A System Program transfer of `lamports` to `to`; its signature once confirmed. */
  sendSol(to: string | PublicKey, lamports: bigint): Promise<string>;
  /** A new SPL Token mint with `decimals`, this wallet its mint authority. */
  createMint(decimals: number): Promise<PublicKey>;
  /** Mints `amount` base units to the owner's associated token account (opened first when needed). */
  mintTo(mint: PublicKey, owner: string | PublicKey, amount: bigint): Promise<string>;
  /** transferChecked of `amount` from this wallet's token account to the owner's (opened when needed). */
  sendToken(mint: PublicKey, decimals: number, owner: string | PublicKey, amount: bigint): Promise<string>;
}

/** A fresh keypair given `sol` SOL by airdrop. */
export async function outsideWallet(connection: Connection, sol = 100n): Promise<OutsideWallet> {
  const keypair = Keypair.generate();
  await airdrop(connection, keypair.publicKey, sol * BigInt(LAMPORTS_PER_SOL));
  const key = (address: string | PublicKey) =>
    typeof address === "string" ? new PublicKey(address) : address;
  const tokenAccountOf = async (mint: PublicKey, owner: PublicKey) =>
    (await getOrCreateAssociatedTokenAccount(connection, keypair, mint, owner)).address;
  return {
    connection,
    keypair,
    address: keypair.publicKey.toBase58(),
    sendSol: (to, lamports) =>
      sendAndConfirmTransaction(
        connection,
        new Transaction().add(
          SystemProgram.transfer({ fromPubkey: keypair.publicKey, toPubkey: key(to), lamports }),
        ),
        [keypair],
      ),
    createMint: (decimals) => createMint(connection, keypair, keypair.publicKey, null, decimals),
    mintTo: async (mint, owner, amount) =>
      mintTo(connection, keypair, mint, await tokenAccountOf(mint, key(owner)), keypair, amount),
    sendToken: async (mint, decimals, owner, amount) => {
      const target = await tokenAccountOf(mint, key(owner));
      const source = getAssociatedTokenAddressSync(mint, keypair.publicKey);
      return transferChecked(connection, keypair, source, mint, target, keypair, amount, decimals);
    },
  };
}
