/** A figure for the table: grouped thousands, `digits` decimals, "n/a" when there is none. */
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";

/** A share (0–1) as a whole percentage. */
export const pct = (share: number) => `${fmt(100 * share)}%`;
