// CNI ADD/DEL side by side, in one run, each plugin invoked exactly as a container runtime invokes it (CNI_*
// environment, the configuration on stdin, one process per call, inside a node namespace, pods in namespaces created
// here): Gingham's shim forwarding to `gingham node run --cni-socket` (the agent), Gingham's standalone plugin (no
// cni_socket in the configuration: today's path), and the reference plugins ptp + host-local and bridge + host-local
// (Debian containernetworking-plugins). ADD and DEL p50/p99/max at 1, 10 and 50 calls in flight, CPU per call, and
// datastore requests per ADD: for the agent, counted at its CNI service's datastore client (the count every reply
// carries, read with a VERSION request on the socket); for the standalone plugin, unary gRPC calls counted by etcd's
// own grpc_server_handled_total (every client).
//   npm run bench:cni       (builds, then: node bench/cni/run.js bench/cni/compare.ts [pods@1] [pods@10] [pods@50])
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, type CniWireReply } from '../../src/api/wire/cni';
import { CNI_SHIM_BINARY, CONFLIST_NAME, buildConflist, installCni } from '../../src/cni/install';
import { requestUnixJson } from '../../src/lib/unix-json-client';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { runCheck } from '../../src/cli/ipam-check';
import { startEtcd, type EtcdServer } from '../../e2e/lib/etcd';
import { cleanupAll, makeWorkDir, spawnDaemon, stopProcess, waitFor } from '../../e2e/lib/process';
import { addNetns, addNodeNamespace, deleteNetns, invokePlugin, relayIntoNamespace, type Invocation, type PluginRun } from '../../e2e/cni/cni-lab';

const ROOT = path.join(__dirname, '..', '..');
const REF_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
const AGENT = 'gingham shim + agent';
const STANDALONE = 'gingham standalone (before)';

interface Variant {
  readonly name: string;
  readonly bin: string;
  readonly cniPath: string;
  readonly stdin: string;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function summary(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]! };
}

async function etcdUnaryRequests(etcd: EtcdServer): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('grpc_server_handled_total{') && line.includes('grpc_type="unary"')) total += Number(line.split(' ').pop());
  }
  return total;
}

/** The agent CNI service's datastore requests so far (VERSION touches no datastore). */
async function agentRequests(socket: string): Promise<number> {
  const r = (await requestUnixJson(socket, { version: CNI_WIRE_VERSION, plugin: 'gingham', env: { CNI_COMMAND: 'VERSION' }, stdin: '{"cniVersion":"1.0.0"}' }, { connectTimeoutMs: 2000, replyTimeoutMs: 5000 })) as CniWireReply;
  if (typeof r.datastoreRequests !== 'number') throw new Error('the agent does not report its datastore requests');
  return r.datastoreRequests;
}

/**
 * CPU seconds from /proc/<pid>/stat (clock ticks of 10 ms): a process's own user + system time, or that of its
 * finished children (every plugin process this harness ran and reaped, with their own reaped children).
 */
function procCpu(pid: number | 'self', which: 'own' | 'children'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is [0]; utime [11], stime [12], cutime [13], cstime [14].
  const [a, b] = which === 'own' ? [f[11], f[12]] : [f[13], f[14]];
  return (Number(a) + Number(b)) / 100;
}

async function timed(run: () => Promise<PluginRun>, what: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0) throw new Error(`${what} failed (${String(r.code)}): ${r.stdout} ${r.stderr}`);
  return ms;
}

/** Runs fn over items with at most `width` in flight; returns the results in order. */
async function pool<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

async function main(): Promise<void> {
  const podsAt1 = Number(process.argv[3] ?? 15);
  const podsAt10 = Number(process.argv[4] ?? 30);
  const podsAt50 = Number(process.argv[5] ?? 50);
  const ref = (name: string): string => {
    const dir = REF_DIRS.find((d) => existsSync(path.join(d, name)));
    if (dir === undefined) throw new Error(`reference plugin ${name} not found in ${REF_DIRS.join(', ')} (apt-get install containernetworking-plugins)`);
    return path.join(dir, name);
  };
  const suffix = `${process.pid % 10000}`;
  const host = `gh-cnic-host-${suffix}`;
  const node = `gh-cnic-node-${suffix}`;
  const work = makeWorkDir('cni-bench');
  const etcd = await startEtcd();
  const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
  const created: string[] = [];
  let relay: { close(): Promise<void> } | undefined;
  let agentPid: number | undefined;
  const lines: string[] = [];
  try {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '10.240.0.0/20', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()' } });
    created.push(host);
    addNodeNamespace(host, '10.239.0.1', '10.239.0.2');
    relay = await relayIntoNamespace(host, Number(new URL(etcd.endpoint).port), path.join(work, 'etcd.sock'));
    const binDir = path.join(work, 'bin');
    // The compiled shim as the installed executables (as `gingham cni install` installs them), the Node plugins beside.
    installCni({ binDir, confDir: path.join(work, 'scratch'), node: process.execPath, entries: { gingham: path.join(ROOT, 'dist/cmd/cni-gingham.js'), 'gingham-ipam': path.join(ROOT, 'dist/cmd/cni-gingham-ipam.js') }, conflist: buildConflist({ datastoreType: 'etcdv3' }), shim: CNI_SHIM_BINARY });
    writeFileSync(path.join(work, 'mtu'), '1450\n');
    const socket = path.join(work, 'run', 'cni.sock');
    const agent = spawnDaemon({
      name: 'agent',
      cmd: 'ip',
      args: ['netns', 'exec', host, process.execPath, path.join(ROOT, 'dist/cmd/gingham.js'), 'node', 'run', '--cni-socket', socket, '--cni-conf-dir', path.join(work, 'net.d'), '--status-socket', path.join(work, 'node.sock'), '--health-host', '127.0.0.1', '--health-port', '0', '--nodename-file', path.join(work, 'nodename'), '--mtu-file', path.join(work, 'mtu-agent')],
      workDir: work,
      env: { PATH: process.env.PATH, NODENAME: node, IP: '10.239.0.1/24', DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoint },
    });
    agentPid = agent.pid;
    await waitFor(() => (agent.exited() ? Promise.reject(new Error(agent.logTail())) : existsSync(path.join(work, 'net.d', CONFLIST_NAME))), 60000, 'the agent to serve CNI');
    const list = JSON.parse(readFileSync(path.join(work, 'net.d', CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
    const agentConf: Record<string, unknown> = { ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, mtu_file: path.join(work, 'mtu'), ipam_lock_file: path.join(work, 'ipam.lock') };
    const { cni_socket: _unused, ...standaloneConf } = agentConf;
    void _unused;
    const hl = (subnet: string): Record<string, unknown> => ({ type: 'host-local', subnet, dataDir: path.join(work, 'host-local') });
    const variants: Variant[] = [
      { name: AGENT, bin: path.join(binDir, 'gingham'), cniPath: binDir, stdin: JSON.stringify(agentConf) },
      { name: STANDALONE, bin: path.join(binDir, 'gingham'), cniPath: binDir, stdin: JSON.stringify(standaloneConf) },
      { name: 'ptp + host-local', bin: ref('ptp'), cniPath: path.dirname(ref('ptp')), stdin: JSON.stringify({ cniVersion: '1.0.0', name: 'bench-ptp', type: 'ptp', ipMasq: false, mtu: 1450, ipam: hl('10.241.0.0/16') }) },
      { name: 'bridge + host-local', bin: ref('bridge'), cniPath: path.dirname(ref('bridge')), stdin: JSON.stringify({ cniVersion: '1.0.0', name: 'bench-bridge', type: 'bridge', bridge: 'ghbench0', isGateway: true, ipMasq: false, mtu: 1450, ipam: hl('10.242.0.0/16') }) },
    ];
    lines.push(`Run of ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the start, Node ${process.version}.`, '');
    lines.push('| plugin | in flight | pods | ADD p50 | ADD p99 | ADD max | DEL p50 | DEL p99 | CPU ms per ADD | datastore requests per ADD |', '|---|---|---|---|---|---|---|---|---|---|');
    const p50s = new Map<string, number>();
    for (const [width, pods] of [[1, podsAt1], [10, podsAt10], [50, podsAt50]] as const) {
      for (const v of variants) {
        // 50 standalone plugins at once (a Node process and an etcd client each, ~0.7 CPU-s) overrun the harness's
        // per-call time limit on two cores; that path is measured at 1 and 10 in flight.
        if (width === 50 && v.name === STANDALONE) continue;
        const ids = Array.from({ length: pods + 1 }, (_, i) => `${v.name.split(' ')[0]}-${width}-${i}`.replace(/[^a-z0-9-]/gi, ''));
        const inv = (id: string, command: string): Invocation => ({ command, containerId: id, netns: `/var/run/netns/gh-cnic-${id}`, pod: id, namespace: 'bench', cniPath: v.cniPath });
        for (const id of ids) {
          addNetns(`gh-cnic-${id}`);
          created.push(`gh-cnic-${id}`);
        }
        // One warm-up pod (first block claim, page cache) is not counted.
        const [warm, ...rest] = ids;
        await timed(() => invokePlugin(host, v.bin, inv(warm!, 'ADD'), v.stdin), `${v.name} warm-up ADD`);
        const viaAgent = v.name === AGENT;
        const count = (): Promise<number> => (viaAgent ? agentRequests(socket) : etcdUnaryRequests(etcd));
        const before = await count();
        const cpuBefore = procCpu('self', 'children') + (viaAgent ? procCpu(agentPid!, 'own') : 0);
        const adds = await pool(rest, width, (id) => timed(() => invokePlugin(host, v.bin, inv(id, 'ADD'), v.stdin), `${v.name} ADD ${id}`));
        const cpuPerAdd = (procCpu('self', 'children') + (viaAgent ? procCpu(agentPid!, 'own') : 0) - cpuBefore) / rest.length;
        const perAdd = ((await count()) - before) / rest.length;
        const dels = await pool(ids, width, (id) => timed(() => invokePlugin(host, v.bin, inv(id, 'DEL'), v.stdin), `${v.name} DEL ${id}`));
        for (const id of ids) deleteNetns(`gh-cnic-${id}`);
        const a = summary(adds);
        const d = summary(dels.slice(1));
        p50s.set(`${v.name}@${width}`, a.p50);
        const reqs = viaAgent ? `${perAdd.toFixed(1)} (agent's client)` : v.name.startsWith('gingham') ? `${perAdd.toFixed(1)} (etcd, all clients)` : 'n/a (files)';
        lines.push(`| ${v.name} | ${width} | ${rest.length} | ${a.p50.toFixed(0)} | ${a.p99.toFixed(0)} | ${a.max.toFixed(0)} | ${d.p50.toFixed(0)} | ${d.p99.toFixed(0)} | ${(cpuPerAdd * 1000).toFixed(0)} | ${reqs} |`);
        process.stderr.write(`${lines[lines.length - 1]}\n`);
      }
    }
    lines.push('');
    for (const width of [1, 10, 50]) {
      const base = p50s.get(`ptp + host-local@${width}`)!;
      const names = [AGENT, STANDALONE, 'bridge + host-local'].filter((n) => p50s.has(`${n}@${width}`));
      lines.push(`ADD p50 / ptp+host-local p50 at ${width} in flight: ${names.map((n) => `${n} ${(p50s.get(`${n}@${width}`)! / base).toFixed(1)}x`).join(', ')}.`);
    }
    const check = await runCheck(store, {}, Date.now());
    lines.push('', `\`ipam check\` after the run: ${check.problems} problems.`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    if (agentPid !== undefined) await stopProcess(agentPid).catch(() => undefined);
    for (const ns of created.reverse()) deleteNetns(ns);
    await relay?.close();
    await store.close();
    await etcd.stop();
    await cleanupAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
