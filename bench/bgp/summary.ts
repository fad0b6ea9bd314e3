// Medians of benchmark records (this harness's or the reference harness's JSONL, same field names) as a markdown
// table, each time also as a ratio to BIRD 2's median in the same (N, attribute sets, mode) group of the same input.
export type Rec = Record<string, unknown>;

const COLS: ReadonlyArray<readonly [string, string, number]> = [
  ['conv_after_est_s', 'conv after Est. (s)', 1],
  ['conv_s', 'conv total (s)', 1],
  ['withdraw_s', 'withdraw (s)', 1],
  ['reannounce_s', 're-announce (s)', 1],
  ['flush_s', 'flush (s)', 1],
  ['conv_dut_cpu_s', 'DUT CPU conv (s)', 1],
  ['dut_peak_rss_kb', 'peak RSS (MiB)', 1 / 1024],
];

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function num(r: Rec, k: string): number | undefined {
  const v = r[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fmt(v: number | undefined, scale: number): string {
  if (v === undefined) return '–';
  const x = v * scale;
  return scale === 1 ? x.toFixed(2) : x.toFixed(0);
}

function ratio(v: number | undefined, base: number | undefined): string {
  if (v === undefined || base === undefined) return '';
  // times are quantized to one 0.1 s poll: a ratio against a sub-poll time would be noise
  const b = Math.max(base, 0.1);
  return ` (${(Math.max(v, 0.1) / b).toFixed(1)}×)`;
}

/** Groups by mode, N, attr_groups, dut (DUTs in the order given); ok runs only (the ok/runs column shows the rest). */
export function summarize(recs: readonly Rec[], duts: readonly string[]): string {
  const key = (r: Rec): string => `${String(r.mode)}|${String(r.n)}|${String(r.attr_groups)}`;
  const groups = [...new Set(recs.map(key))].sort((a, b) => {
    const [ma, na, ga] = a.split('|');
    const [mb, nb, gb] = b.split('|');
    return (ma ?? '').localeCompare(mb ?? '') || Number(na) - Number(nb) || Number(ga) - Number(gb);
  });
  const head = ['DUT', 'N', 'attr sets', 'ok/runs', ...COLS.map((c) => c[1])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const g of groups) {
    const inGroup = recs.filter((r) => key(r) === g);
    const names = [...new Set(inGroup.map((r) => String(r.dut)))].sort((a, b) => (duts.indexOf(a) + 99) % 99 - (duts.indexOf(b) + 99) % 99);
    const med = (dut: string, k: string): number | undefined =>
      median(inGroup.filter((r) => r.dut === dut && r.status === 'ok').flatMap((r) => num(r, k) ?? []));
    for (const dut of names) {
      const all = inGroup.filter((r) => r.dut === dut);
      const okN = all.filter((r) => r.status === 'ok').length;
      const cells = COLS.map(([k, , scale]) => {
        const v = med(dut, k);
        return fmt(v, scale) + (dut === 'bird2' || k === 'conv_dut_cpu_s' ? '' : ratio(v === undefined ? v : v * scale, med('bird2', k) === undefined ? undefined : (med('bird2', k) ?? 0) * scale));
      });
      const [, n, ag] = g.split('|');
      lines.push(`| ${dut} | ${Number(n).toLocaleString('en-US')} | ${ag} | ${okN}/${all.length} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}
