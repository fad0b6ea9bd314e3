// `npm run bench:bgp -- [options]`: the BGP propagation benchmark of BENCHMARKS.md. Runs every DUT x N x attribute-set
// count, --reps times (interleaved, so load drift hits every DUT alike), appends each run's record to
// bench/results/bgp-<time>.jsonl and prints the table of medians with ratios to BIRD 2.
//   --n 10000,100000  --duts gingham,bird2,frr,gobgp  --reps 3  --attr-groups 1,10000  --mode ibgp|ebgp
//   --phases conv,withdraw,reannounce,flush  --phase-timeout 600  --setup-timeout 300  --poll 0.1  --tag LABEL
//   --keep-workdir   --summarize FILE.jsonl...   (only print the table of existing records, e.g. the reference's;
//   with --by-harness before it, one row per DUT and harness)
// Gingham is whatever GINGHAM_DIST points at (default this checkout's dist/: run `npm run build` first).
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, runOnce, startScript, type Phase, type RunOptions, type RunRecord } from './run-once';
import { summarize, type Rec } from './summary';

class UsageError extends Error {}

const PHASES: readonly Phase[] = ['conv', 'withdraw', 'reannounce', 'flush'];

function parseArgs(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (k === 'keep-workdir' || k === 'by-harness') m.set(k, 'true');
    else if (k === 'summarize') m.set(k, argv.slice(i + 1).join(','));
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${k} needs a value`);
      m.set(k, v);
    }
    if (k === 'summarize') break;
  }
  return m;
}

function intList(m: Map<string, string>, k: string, dflt: string): number[] {
  return (m.get(k) ?? dflt).split(',').map((s) => {
    const v = Number(s.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k}: "${s}" is not a positive integer`);
    return v;
  });
}

function seconds(m: Map<string, string>, k: string, dflt: number): number {
  const v = Number(m.get(k) ?? dflt);
  if (!(v > 0)) throw new UsageError(`--${k} must be a positive number of seconds`);
  return v;
}

function readJsonl(files: readonly string[]): Rec[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Rec),
  );
}

async function main(): Promise<void> {
  const m = parseArgs(process.argv.slice(2));
  const known = ['n', 'duts', 'reps', 'attr-groups', 'mode', 'phases', 'phase-timeout', 'setup-timeout', 'poll', 'tag', 'keep-workdir', 'by-harness', 'summarize'];
  for (const k of m.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k} (known: ${known.join(', ')})`);
  const duts = (m.get('duts') ?? 'gingham,bird2,frr,gobgp').split(',').filter((d) => d.length > 0);
  const summarizeFiles = m.get('summarize');
  if (summarizeFiles !== undefined) {
    let recs = readJsonl(summarizeFiles.split(',').filter((f) => f.length > 0));
    // --by-harness: one row per DUT and harness (the reference's records have no `harness` field), to show they agree
    if (m.has('by-harness')) recs = recs.map((r) => ({ ...r, dut: `${String(r.dut)} [${typeof r.harness === 'string' ? r.harness : 'reference'}]` }));
    else recs = recs.filter((r) => duts.includes(String(r.dut)) || r.dut === 'bird2');
    process.stdout.write(summarize(recs, ['bird2', ...duts]) + '\n');
    return;
  }
  for (const d of duts) if (!fs.existsSync(startScript(d))) throw new UsageError(`--duts: no ${startScript(d)}`);
  const mode = m.get('mode') ?? 'ibgp';
  if (mode !== 'ibgp' && mode !== 'ebgp') throw new UsageError('--mode must be ibgp or ebgp');
  const phases = (m.get('phases') ?? PHASES.join(',')).split(',') as Phase[];
  for (const p of phases) if (!PHASES.includes(p)) throw new UsageError(`--phases: unknown phase "${p}" (known: ${PHASES.join(', ')})`);
  const [reps] = intList(m, 'reps', '3');
  const ns = intList(m, 'n', '10000,100000');
  const groups = intList(m, 'attr-groups', '1');
  const out = path.join(BENCH_DIR, 'results', `bgp-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const recs: RunRecord[] = [];
  for (let rep = 1; rep <= (reps ?? 3); rep++) {
    for (const n of ns) {
      for (const attrGroups of groups) {
        for (const dut of duts) {
          const o: RunOptions = {
            dut,
            n,
            attrGroups,
            mode,
            phases,
            phaseTimeoutS: seconds(m, 'phase-timeout', 600),
            setupTimeoutS: seconds(m, 'setup-timeout', 300),
            pollS: seconds(m, 'poll', 0.1),
            tag: m.get('tag') ?? '',
            keepWorkdir: m.has('keep-workdir'),
          };
          process.stderr.write(`== rep ${rep} ${dut} n=${n} attr-groups=${attrGroups} load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
          const r = await runOnce(o);
          r.rep = rep;
          recs.push(r);
          fs.appendFileSync(out, JSON.stringify(r) + '\n');
          process.stderr.write(`   ${String(r.status)}: conv after Est. ${String(r.conv_after_est_s)} s, peak ${Math.round(Number(r.dut_peak_rss_kb) / 1024)} MiB\n`);
        }
      }
    }
  }
  process.stdout.write(`records: ${out}\n\n${summarize(recs, ['bird2', ...duts])}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:bgp: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
