import { BadUserInputError } from "../errors/gatewayError.ts";

/** The largest amount the gateway accepts on any chain: 2^256 − 1 base units (an EVM word). */
export const MAX_BASE_UNITS = (1n << 256n) - 1n;

// A plain decimal: ASCII digits, no sign, no exponent, no spaces, no leading zeros, an optional
// fraction. `\d` in a JS regex without the u flag is exactly [0-9], so "١٢" never matches.
const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Parses a decimal amount in an asset's units ("12.5") into base units. Refuses, with a sentence
 * naming `field`, anything that is not a plain positive decimal with at most `decimals` places.
 */
export function parseAmount(text: string, decimals: number, field = "amount"): bigint {
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new BadUserInputError(
      `${field} must be a plain decimal like "12.5": digits with an optional fraction, no sign, exponent, spaces or leading zeros (got ${JSON.stringify(text.slice(0, 100))}).`,
      { field },
    );
  }
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) {
    throw new BadUserInputError(
      `${field} has ${fraction.length} decimal places; this asset has ${decimals}.`,
      { field },
    );
  }
  if (whole.length + decimals > 100) {
    throw new BadUserInputError(`${field} is too large.`, { field });
  }
  const baseUnits = BigInt(whole + fraction.padEnd(decimals, "0"));
  if (baseUnits === 0n) throw new BadUserInputError(`${field} must be greater than zero.`, { field });
  if (baseUnits > MAX_BASE_UNITS) throw new BadUserInputError(`${field} is too large.`, { field });
  return baseUnits;
}

/** Base units as a decimal string in the asset's units, without trailing zeros ("12.5", "3"). */
export function formatAmount(baseUnits: bigint, decimals: number): string {
  const negative = baseUnits < 0n;
  const digits = (negative ? -baseUnits : baseUnits).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
