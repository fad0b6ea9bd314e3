// Summarises a V8 .cpuprofile (node --cpu-prof) as the functions with the most self time, for BENCHMARKS.md's
// "where the time goes". Run: node node_modules/.cache/bench-bgp/bench/bgp/profile-top.js FILE.cpuprofile [TOP]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function topSelf(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)?.callFrame;
    if (cf === undefined) continue;
    const where = cf.url.length > 0 ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const k = `${cf.functionName.length > 0 ? cf.functionName : '(anonymous)'} ${where}`.trim();
    byFn.set(k, (byFn.get(k) ?? 0) + us);
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  const rows = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `total sampled ${(total / 1e6).toFixed(2)} s`,
    '| self (s) | % | function |',
    '|---:|---:|---|',
    ...rows.map(([k, us]) => `| ${(us / 1e6).toFixed(2)} | ${((100 * us) / total).toFixed(1)} | \`${k}\` |`),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: profile-top FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(topSelf(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(top ?? 25)) + '\n');
}
