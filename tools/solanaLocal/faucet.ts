// The faucet behind requestAirdrop: keypairs the endpoint funds itself at start, which pay airdrops with
// ordinary System transfers, so an airdrop is a real transaction in a block as on devnet.
import { ed25519 } from "@noble/curves/ed25519.js";
import { base58 } from "@scure/base";

/** What each faucet keypair starts with: 500M SOL, as solana-test-validator's faucet. */
export const FAUCET_LAMPORTS = 500_000_000n * 1_000_000_000n;

const SYSTEM_PROGRAM = new Uint8Array(32);
const SYSTEM_TRANSFER = 2;

export interface FaucetKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

export function newFaucetKey(): FaucetKey {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey, publicKey, address: base58.encode(publicKey) };
}

/** A signed legacy transaction: `faucet` pays `lamports` to `recipient`. */
export function airdropTransaction(
  faucet: FaucetKey,
  recipient: Uint8Array,
  lamports: bigint,
  recentBlockhash: string,
): Uint8Array {
  const data = new Uint8Array(12);
  const fields = new DataView(data.buffer);
  fields.setUint32(0, SYSTEM_TRANSFER, true);
  fields.setBigUint64(4, lamports, true);
  const message = new Uint8Array([
    // header: 1 signer, 0 readonly signed, 1 readonly unsigned (the System program)
    1,
    0,
    1,
    3,
    ...faucet.publicKey,
    ...recipient,
    ...SYSTEM_PROGRAM,
    ...base58.decode(recentBlockhash),
    1,
    // transfer: program 2, accounts [0 (from), 1 (to)], 12 bytes of data
    2,
    2,
    0,
    1,
    data.length,
    ...data,
  ]);
  const signature = ed25519.sign(message, faucet.secretKey);
  return new Uint8Array([1, ...signature, ...message]);
}
