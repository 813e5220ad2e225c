import { base58 } from "@scure/base";
import { AdapterError } from "../types.ts";

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

/**
 * A Solana address (a 32-byte public key in base58) as its canonical text, or INVALID_ADDRESS saying
 * what is wrong. Base58 has no checksum: what it can catch is a wrong alphabet or a wrong length.
 */
export function normalizeSolanaAddress(address: string): string {
  if (!BASE58.test(address)) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `"${shorten(address)}" is not a Solana address: one is a 32-byte public key in base58 (32 to 44 of 1-9, A-Z and a-z without 0, O, I and l).`,
    );
  }
  const bytes = base58.decode(address);
  if (bytes.length !== 32) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `"${shorten(address)}" is not a Solana address: it decodes to ${bytes.length} bytes, and a Solana address is 32.`,
    );
  }
  // Leading 1s are zero bytes: a longer spelling of the same bytes is not the address.
  const canonical = base58.encode(bytes);
  if (canonical !== address) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `"${address}" is not a Solana address in canonical form; did you mean ${canonical}?`,
    );
  }
  return address;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
