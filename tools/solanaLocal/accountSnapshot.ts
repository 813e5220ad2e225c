// An account's state at one moment, copied out of LiteSVM (which only knows the present).
import { base58 } from "@scure/base";
import { Account, type LiteSvm } from "litesvm/dist/internal.js";

export interface AccountSnapshot {
  lamports: bigint;
  data: Uint8Array;
  /** The owning program, base58. */
  owner: string;
  executable: boolean;
  rentEpoch: bigint;
}

/** The account as it is now; null when it does not exist (a validator drops accounts left with 0 lamports). */
export function readAccount(svm: LiteSvm, address: Uint8Array): AccountSnapshot | null {
  const account = svm.getAccount(address);
  if (account === null) return null;
  const lamports = account.lamports();
  if (lamports === 0n) return null;
  return {
    lamports,
    data: account.data(),
    owner: base58.encode(account.owner()),
    executable: account.executable(),
    rentEpoch: account.rentEpoch(),
  };
}

/** Puts an account back as it was (null: back to not existing). */
export function writeAccount(svm: LiteSvm, address: Uint8Array, snapshot: AccountSnapshot | null): void {
  const account =
    snapshot === null
      ? new Account(0n, new Uint8Array(0), new Uint8Array(32), false, 0n)
      : new Account(
          snapshot.lamports,
          snapshot.data,
          base58.decode(snapshot.owner),
          snapshot.executable,
          snapshot.rentEpoch,
        );
  svm.setAccount(address, account);
}
