import type { AssetInfo } from "./types.ts";

/** Base units as a decimal string in the asset's units (1500000000n, 9 → "1.5"), for messages: never through a JS number. */
export function formatBaseUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** An amount with its asset's symbol, for messages: "1.5 SOL". */
export function formatAssetUnits(amount: bigint, asset: Pick<AssetInfo, "decimals" | "symbol">): string {
  return `${formatBaseUnits(amount, asset.decimals)} ${asset.symbol}`;
}
