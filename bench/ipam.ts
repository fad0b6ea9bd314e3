// IPAM benchmark on a real etcd. First one host allocates 100 addresses one request at a time (the latency of a
// request with nothing queued before it); then N simulated hosts (default 100) each allocate M addresses (default 20)
// one request at a time, all hosts at once, then release them by handle (throughput, and latency including the
// queueing of N concurrent callers on one etcd client). Prints allocations per second and p50/p99 latencies, and
// writes them to bench/results/ipam-<time>.json (not committed).
// Run: npm run bench:ipam   (BENCH_HOSTS, BENCH_PER_HOST override the sizes)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { API_VERSION, CALICO_V3_ROOT } from '../src/datastore';
import { EtcdDatastore } from '../src/datastore/etcd/etcd-datastore';
import { IpamAllocator, checkIpam, loadIpamSnapshot } from '../src/ipam';
import { startEtcd } from '../e2e/lib/etcd';

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

function stats(samples: number[], wallMs: number): { count: number; perSecond: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    count: s.length,
    perSecond: Math.round((s.length / wallMs) * 1000),
    p50Ms: Number(quantile(s, 0.5).toFixed(2)),
    p99Ms: Number(quantile(s, 0.99).toFixed(2)),
    maxMs: Number((s[s.length - 1] ?? NaN).toFixed(2)),
  };
}

function positive(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) === 0) throw new Error(`${name} must be a positive integer (got "${v}")`);
  return Number(v);
}

async function main(): Promise<void> {
  const hosts = positive('BENCH_HOSTS', 100);
  const perHost = positive('BENCH_PER_HOST', 20);
  const etcd = await startEtcd();
  const store = new EtcdDatastore({ endpoints: [etcd.endpoint], root: `/gingham-bench/${process.pid}${CALICO_V3_ROOT}` });
  try {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '10.128.0.0/12', blockSize: 26 } });
    const names = Array.from({ length: hosts }, (_, i) => `bench-node-${i}`);
    for (const n of names) await store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: n }, spec: {} });
    const ipam = new IpamAllocator(store);

    const serialMs: number[] = [];
    const ts = performance.now();
    for (let k = 0; k < 100; k++) {
      const s = performance.now();
      await ipam.autoAssign({ handleId: `bench.serial.${k}`, hostname: 'bench-node-0', num4: 1, attrs: { node: 'bench-node-0' } });
      serialMs.push(performance.now() - s);
    }
    const serialWall = performance.now() - ts;
    for (let k = 0; k < 100; k++) await ipam.releaseByHandle(`bench.serial.${k}`);

    const assignMs: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      names.map(async (host) => {
        for (let k = 0; k < perHost; k++) {
          const s = performance.now();
          await ipam.autoAssign({ handleId: `bench.${host}.${k}`, hostname: host, num4: 1, attrs: { node: host } });
          assignMs.push(performance.now() - s);
        }
      }),
    );
    const assignWall = performance.now() - t0;

    const problems = checkIpam(await loadIpamSnapshot(store)).problems.length;
    if (problems !== 0) throw new Error(`ipam check found ${problems} problems after the allocation phase`);

    const releaseMs: number[] = [];
    const t1 = performance.now();
    await Promise.all(
      names.map(async (host) => {
        for (let k = 0; k < perHost; k++) {
          const s = performance.now();
          await ipam.releaseByHandle(`bench.${host}.${k}`);
          releaseMs.push(performance.now() - s);
        }
      }),
    );
    const releaseWall = performance.now() - t1;

    const result = {
      benchmark: 'ipam',
      date: new Date().toISOString(),
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(1)}`,
      etcd: 'single member on loopback',
      hosts,
      perHost,
      serialAutoAssign: stats(serialMs, serialWall),
      autoAssign: stats(assignMs, assignWall),
      releaseByHandle: stats(releaseMs, releaseWall),
    };
    const dir = path.resolve(process.cwd(), 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `ipam-${result.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(
      `| ${result.serialAutoAssign.p50Ms} | ${result.serialAutoAssign.p99Ms} | ${hosts} x ${perHost} | ${result.autoAssign.perSecond} | ${result.autoAssign.p50Ms} | ${result.autoAssign.p99Ms} | ${result.releaseByHandle.perSecond} | ${result.releaseByHandle.p50Ms} | ${result.releaseByHandle.p99Ms} | ${result.machine} |\n`,
    );
  } finally {
    await store.close();
    await etcd.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ipam failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
