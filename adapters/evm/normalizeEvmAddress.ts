import { getAddress } from "viem";
import { AdapterError } from "../types.ts";

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_OF_ANY_LENGTH = /^0x[0-9a-fA-F]*$/;

/**
 * The EIP-55 (checksummed) form of an EVM address, or INVALID_ADDRESS saying what is wrong.
 * All-lowercase and all-uppercase addresses carry no checksum and are accepted; a mixed-case one is
 * a checksum, and one that does not match is refused: it is how typos are caught.
 */
export function normalizeEvmAddress(address: string): string {
  if (!HEX_ADDRESS.test(address)) {
    if (HEX_OF_ANY_LENGTH.test(address)) {
      throw new AdapterError(
        "INVALID_ADDRESS",
        `"${address}" is not an EVM address: one is 0x followed by 40 hex digits, and it has ${address.length - 2}.`,
      );
    }
    throw new AdapterError(
      "INVALID_ADDRESS",
      `"${shorten(address)}" is not an EVM address: one is 0x followed by 40 hex digits, e.g. 0x52908400098527886E0F7030069857D2E4169EE7.`,
    );
  }
  const checksummed = getAddress(address.toLowerCase());
  const digits = address.slice(2);
  const mixedCase = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixedCase && address !== checksummed) {
    throw new AdapterError(
      "INVALID_ADDRESS",
      `${address} fails its EIP-55 checksum (the mix of upper and lower case): check it for a typo, or send it in lower case.`,
    );
  }
  return checksummed;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
