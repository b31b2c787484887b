// Go's text/tabwriter as istioctl configures it (minwidth 0, tabwidth 8, padding 5, ' ', no flags):
// every cell but the last of a line is padded to its column's widest cell plus 5 spaces.

export function tabWrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map((r) =>
      r.map((cell, i) => (i < r.length - 1 ? cell.padEnd((widths[i] ?? 0) + 5) : cell)).join(''),
    )
    .map((line) => line + '\n')
    .join('');
}
