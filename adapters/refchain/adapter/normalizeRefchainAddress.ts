import { bech32m } from "@scure/base";
import { AdapterError } from "../../types.ts";
import { ADDRESS_PREFIX, encodeAddress } from "../chain/address.ts";

const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 40)}…` : text);

/**
 * The canonical (lower-case) form of a refchain address, or an AdapterError INVALID_ADDRESS whose
 * sentence says what is wrong: not an address at all, another chain's prefix, or a bad checksum
 * (a typo). Surrounding whitespace, as pasted, is forgiven.
 */
export function normalizeRefchainAddress(address: string): string {
  if (typeof address !== "string" || address.trim() === "") {
    throw new AdapterError("INVALID_ADDRESS", "An address is required: refchain addresses start with ref1.");
  }
  const text = address.trim();
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf("1");
  if (separator < 1) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `${quote(text)} is not a refchain address: refchain addresses start with ${ADDRESS_PREFIX}1.`,
    );
  }
  const prefix = lower.slice(0, separator);
  if (prefix !== ADDRESS_PREFIX) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `${quote(text)} starts with "${text.slice(0, separator + 1)}", so it is not a refchain address: refchain addresses start with "${ADDRESS_PREFIX}1".`,
    );
  }
  if (text !== lower && text !== text.toUpperCase()) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `${quote(text)} mixes upper and lower case: write a refchain address all in one case.`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = bech32m.fromWords(bech32m.decode(lower as `${string}1${string}`).words);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (/checksum/i.test(why)) {
      throw new AdapterError(
        "INVALID_ADDRESS",
        `${quote(text)} has a bad checksum: a character is mistyped, missing or swapped. Copy the address again.`,
      );
    }
    throw new AdapterError("INVALID_ADDRESS", `${quote(text)} is not a refchain address (${why}).`);
  }
  if (bytes.length !== 32) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `${quote(text)} holds ${bytes.length} bytes, so it is not a refchain address: one holds a 32-byte public key.`,
    );
  }
  return encodeAddress(bytes);
}
