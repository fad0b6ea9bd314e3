// The two table styles calicoctl prints: boxed (node status, ipam show) and plain columns (get).
import Table from 'cli-table3';

const ASCII = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
};

/**
 * A boxed table with centred headers and left-aligned cells, as `calicoctl node status` prints. `align` sets a
 * column's cell alignment (calicoctl ipam show right-aligns its counts).
 */
export function boxTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly (string | number)[]>,
  align: ReadonlyArray<'left' | 'right' | undefined> = [],
): string {
  const table = new Table({
    // cli-table3 accepts cell objects in `head` at run time; its typings only allow strings.
    head: headers.map((h) => ({ content: h, hAlign: 'center' as const })) as unknown as string[],
    chars: ASCII,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: true },
  });
  for (const r of rows) table.push(r.map((c, i) => (align[i] === 'right' ? { content: String(c), hAlign: 'right' as const } : String(c))));
  return table.toString() + '\n';
}

/**
 * Columns as `calicoctl get` prints them: Go's tabwriter.NewWriter(out, 5, 1, 3, ' ', 0), so every column but the
 * last is as wide as its longest cell plus 3 spaces, and at least 5; headers in capitals. Trailing spaces are trimmed.
 */
export function plainTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(5, 3 + Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
