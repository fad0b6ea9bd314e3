// CNI ADD+DEL latency: the installed `gingham` executable invoked as a container runtime invokes it (environment and
// configuration on stdin, one process per call), inside a node namespace, on a real etcd, with gingham-ipam. Reports
// p50/p99/mean of ADD, DEL, ADD+DEL, and of VERSION (the bare cost of starting the executable) over N pods, one at a
// time (a runtime serialises a pod's calls; pods on one node are serialised by the host IPAM lock anyway).
//   npm run build && node bench/cni/run.js bench/cni/add-del-latency.ts [N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildConflist, installCni } from '../../src/cni/install';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { startEtcd } from '../../e2e/lib/etcd';
import { addNetns, addNodeNamespace, deleteNetns, invokePlugin, relayIntoNamespace, type PluginRun } from '../../e2e/cni/cni-lab';

const ROOT = path.join(__dirname, '..', '..');

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function stats(name: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `| ${name} | ${xs.length} | ${quantile(s, 0.5).toFixed(0)} | ${quantile(s, 0.99).toFixed(0)} | ${mean.toFixed(0)} | ${s[0]!.toFixed(0)} | ${s[s.length - 1]!.toFixed(0)} |`;
}

async function timed(fn: () => Promise<PluginRun>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0) throw new Error(`plugin failed (${r.code}): ${r.stdout} ${r.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const n = Number(process.argv[3] ?? 20);
  const suffix = `${process.pid % 10000}`;
  const host = `gh-cnib-host-${suffix}`;
  const node = `gh-cnib-node-${suffix}`;
  const work = mkdtempSync(path.join(tmpdir(), 'gh-cnib-'));
  const etcd = await startEtcd();
  const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
  const created: string[] = [];
  let relay: { close(): Promise<void> } | undefined;
  try {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '10.247.0.0/20', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()' } });
    await store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: node }, spec: {} });
    created.push(host);
    addNodeNamespace(host, '10.246.0.1', '10.246.0.2');
    relay = await relayIntoNamespace(host, Number(new URL(etcd.endpoint).port), path.join(work, 'etcd.sock'));
    const list = buildConflist({ datastoreType: 'etcdv3', etcdEndpoints: etcd.endpoint, nodename: node });
    installCni({
      binDir: path.join(work, 'bin'),
      confDir: path.join(work, 'net.d'),
      node: process.execPath,
      entries: { gingham: path.join(ROOT, 'dist/cmd/cni-gingham.js'), 'gingham-ipam': path.join(ROOT, 'dist/cmd/cni-gingham-ipam.js') },
      conflist: list,
    });
    writeFileSync(path.join(work, 'mtu'), '1450\n');
    const stdin = JSON.stringify({ ...(list.plugins as object[])[0], name: list.name, cniVersion: list.cniVersion, mtu_file: path.join(work, 'mtu'), ipam_lock_file: path.join(work, 'ipam.lock'), log_file_path: path.join(work, 'cni.log') });
    const bin = path.join(work, 'bin', 'gingham');
    const inv = (command: string) => ({ command, namespace: 'bench', cniPath: `${work}/bin` });

    const version: number[] = [];
    const adds: number[] = [];
    const dels: number[] = [];
    const both: number[] = [];
    // One warm-up pod (first block claim, disk caches) is not counted.
    for (let i = -1; i < n; i++) {
      const ns = `gh-cnib-p${i < 0 ? 'w' : i}-${suffix}`;
      created.push(ns);
      addNetns(ns);
      const j = i < 0 ? 'w' : i;
      const invI = { ...inv('ADD'), containerId: `bench-${j}`, netns: `/var/run/netns/${ns}`, pod: `pod-${j}` };
      const v = await timed(() => invokePlugin(host, bin, { ...invI, command: 'VERSION' }, '{"cniVersion":"1.0.0"}'));
      const a = await timed(() => invokePlugin(host, bin, invI, stdin));
      const d = await timed(() => invokePlugin(host, bin, { ...invI, command: 'DEL' }, stdin));
      deleteNetns(ns);
      if (i < 0) continue;
      version.push(v);
      adds.push(a);
      dels.push(d);
      both.push(a + d);
    }
    const out = [
      `CNI ADD+DEL latency, ${n} pods, one at a time (ms; wall clock of the executable as the runtime sees it)`,
      '',
      '| call | n | p50 | p99 | mean | min | max |',
      '|---|---|---|---|---|---|---|',
      stats('VERSION (process start only)', version),
      stats('ADD', adds),
      stats('DEL', dels),
      stats('ADD+DEL', both),
      '',
    ].join('\n');
    process.stdout.write(out + '\n');
  } finally {
    for (const ns of created.reverse()) deleteNetns(ns);
    await relay?.close();
    await store.close();
    await etcd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
