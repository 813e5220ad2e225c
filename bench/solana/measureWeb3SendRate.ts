import {
  type BlockhashWithExpiryBlockHeight,
  ComputeBudgetProgram,
  Connection,
  type Keypair,
  type PublicKey,
  SystemProgram,
  Transaction,
} from "@solana/web3.js";
import type { ClosedLoopResult } from "../chain/closedLoop.ts";
import { runSendLoop, type SendLoopShape } from "../chain/sendLoop.ts";

/** Senders are the Keypairs of funded accounts; recipients are public keys. */
export interface Web3SendRateParameters extends SendLoopShape<Keypair, PublicKey> {
  /** Where the app sends: the endpoint, or a proxy in front of it. */
  rpcUrl: string;
  lamports: bigint;
  /** How long the app reuses a blockhash before it asks for a new one. */
  blockhashTtlMs: number;
}

/** Compute units a SOL transfer may use, as the gateway asks (a system transfer uses ~150). */
const COMPUTE_UNIT_LIMIT = 20_000;

/**
 * The baseline of the Solana payment rate: what a plain app does with @solana/web3.js 1.x, with no
 * gateway. One Connection at the confirmed commitment (web3.js's keep-alive HTTP agent; preflight
 * then runs at confirmed, as the gateway's does). The app keeps one recent blockhash for all its
 * senders and asks for a new one (getLatestBlockhash) once it is `blockhashTtlMs` old — a blockhash
 * lives ~60 s, so fetching one per transaction would only add a round trip. Each transfer is built
 * (ComputeBudget setComputeUnitLimit + SystemProgram.transfer: the same instructions the gateway
 * signs), signed locally with the sender's Keypair and sent with connection.sendRawTransaction; it
 * is done when that returned the signature. The limit differs per transfer, as the gateway's does:
 * otherwise two equal transfers under one blockhash would be the same transaction. Also returns the
 * signatures the measured run got back (the ones answered after the window included), to check
 * that they landed.
 */
export async function measureWeb3SendRate(
  parameters: Web3SendRateParameters,
): Promise<{ run: ClosedLoopResult; signatures: string[] }> {
  const { lamports, blockhashTtlMs } = parameters;
  const connection = new Connection(parameters.rpcUrl, { commitment: "confirmed" });
  let recent: { value: Promise<BlockhashWithExpiryBlockHeight>; at: number } | undefined;
  const recentBlockhash = () => {
    const now = performance.now();
    if (!recent || now - recent.at >= blockhashTtlMs) {
      const value = connection.getLatestBlockhash("confirmed");
      const entry = { value, at: now };
      recent = entry;
      value.catch(() => {
        if (recent === entry) recent = undefined;
      });
    }
    return recent.value;
  };
  let unique = 0;
  const signatures: string[] = [];
  const run = await runSendLoop(parameters, async (payer, to, { measured }) => {
    const { blockhash, lastValidBlockHeight } = await recentBlockhash();
    const transaction = new Transaction({
      feePayer: payer.publicKey,
      blockhash,
      lastValidBlockHeight,
    }).add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: COMPUTE_UNIT_LIMIT + (unique++ % 10_000) }),
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports }),
    );
    transaction.sign(payer);
    const signature = await connection.sendRawTransaction(transaction.serialize());
    if (measured) signatures.push(signature);
  });
  return { run, signatures };
}
