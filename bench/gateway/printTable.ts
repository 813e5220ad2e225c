/** Prints rows as left-aligned columns, the first row as a header underlined with dashes. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  rows.forEach((row, index) => {
    console.log(format(row));
    if (index === 0) console.log(format(widths.map((width) => "-".repeat(width))));
  });
}
