// bench:policy — Gingham's nftables policy dataplane against a Felix-style iptables+ipset rendering of the SAME
// intermediate representation (src/felix/rules), on a synthetic cluster, each in its own node network namespace
// with two real pod namespaces. Root only; every namespace it creates is removed at the end. Results on stdout.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeNamespace, k8sNetworkPolicyToCalico, namespaceToProfile } from '../../src/api/k8s';
import { PolicyDataplane } from '../../src/felix/policy-dataplane';
import { RulesetBuilder } from '../../src/felix/rules/ruleset';
import { processNftRunner, type NftRunner } from '../../src/felix/tables/nft-command';
import type { Ruleset } from '../../src/felix/rules/ir';
import { TableRenderer } from '../../src/felix/tables/nft-render';
import { NftTableOwner } from '../../src/felix/tables/table-owner';
import { benchWep, DEFAULT_SPEC, generateCluster, NODE, type BenchPod, type Cluster } from './cluster';
import { selfTest } from './selftest';
import { changedChains, ipsetScript, iptablesScript, IptTranslator, ruleCount, type IptState } from './iptables-render';

const suffix = `${process.pid % 10000}`;
/** CPU time (ms) of this process's waited-for children (nft, iptables-restore, ipset), from /proc/self/stat. */
function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // cutime and cstime, in USER_HZ (100 per second on Linux).
  return (Number(f[13]) + Number(f[14])) * 10;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const CONNECT_SECONDS = Number(process.env.BENCH_CONNECT_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function sh(netns: string, cmd: string, input?: string): string {
  const r = spawnSync('ip', ['netns', 'exec', netns, 'sh', '-c', cmd], { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${netns}: ${cmd}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function run(netns: string, argv: string[], input: string): void {
  const r = spawnSync('ip', ['netns', 'exec', netns, ...argv], { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} in ${netns} failed: ${r.stderr.split('\n').slice(0, 3).join(' | ')}`);
}

interface Node {
  ns: string;
  pods: { netns: string; p: BenchPod }[];
}

const SERVER = `require('net').createServer((s) => { s.on('error', () => {}); s.end(); }).listen(80, '0.0.0.0'); setInterval(() => {}, 1 << 30);`;
const CLIENT = `
const net = require('net'); const [host, secs] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + secs * 1000; let n = 0, fail = 0;
const one = () => { if (Date.now() >= end) { process.stdout.write(JSON.stringify({ n, fail })); process.exit(0); }
  const s = net.connect(80, host); const t = setTimeout(() => { fail++; s.destroy(); one(); }, 1000);
  s.on('connect', () => { clearTimeout(t); n++; s.destroy(); one(); }); s.on('error', () => { clearTimeout(t); fail++; one(); }); };
one();`;

const servers: number[] = [];

function makeNode(tag: string, pods: BenchPod[]): Node {
  const ns = `gh-bp-${tag}-${suffix}`;
  spawnSync('ip', ['netns', 'add', ns]);
  sh(ns, 'ip link set lo up && ip link add gw0 type veth peer name gw1 && ip link set gw0 up && ip link set gw1 up && ip addr add 192.168.255.1/32 dev gw0 && ip route add default dev gw0 && echo 1 > /proc/sys/net/ipv4/ip_forward');
  const out: Node = { ns, pods: [] };
  pods.forEach((p, i) => {
    const pns = `gh-bp-${tag}${i}-${suffix}`;
    spawnSync('ip', ['netns', 'add', pns]);
    sh(ns, `ip link add ${p.iface} type veth peer name eth0 netns ${pns} && ip link set ${p.iface} up && echo 1 > /proc/sys/net/ipv4/conf/${p.iface}/proxy_arp && ip route add ${p.ip}/32 dev ${p.iface}`);
    sh(pns, `ip link set lo up && ip addr add ${p.ip}/32 dev eth0 && ip link set eth0 up && ip route add 169.254.1.1 dev eth0 scope link && ip route add default via 169.254.1.1 dev eth0`);
    out.pods.push({ netns: pns, p });
  });
  const srv = spawn('ip', ['netns', 'exec', out.pods[1]?.netns as string, 'node', '-e', SERVER], { stdio: 'ignore', detached: false });
  if (srv.pid) servers.push(srv.pid);
  return out;
}

function connectRate(node: Node, seconds = CONNECT_SECONDS): { rate: number; fail: number } {
  const [client, server] = node.pods;
  const r = spawnSync('ip', ['netns', 'exec', client?.netns as string, 'node', '-e', CLIENT, server?.p.ip as string, String(seconds)], { encoding: 'utf8', timeout: (seconds + 10) * 1000 });
  const res = JSON.parse(r.stdout || '{"n":0,"fail":-1}') as { n: number; fail: number };
  return { rate: res.n / seconds, fail: res.fail };
}

interface Rate {
  rate: number;
  fail: number;
}

/** Connect rates of several nodes measured in interleaved rounds (the machine is shared): median per node. */
function rounds(list: Node[]): Rate[] {
  const got: Rate[][] = list.map(() => []);
  for (let r = 0; r < ROUNDS; r++) list.forEach((n, i) => got[i]?.push(connectRate(n)));
  return got.map((xs) => {
    const s = [...xs].sort((a, b) => a.rate - b.rate);
    return { rate: (s[Math.floor(s.length / 2)] as Rate).rate, fail: xs.reduce((n, x) => n + x.fail, 0) };
  });
}

function feed(dp: PolicyDataplane, c: Cluster): void {
  for (const n of c.namespaces) dp.setProfile(namespaceToProfile(decodeNamespace(n)));
  for (const p of c.pods) dp.setWorkloadEndpoint(p.wep);
  for (const p of c.k8sPolicies) dp.setNetworkPolicy(k8sNetworkPolicyToCalico(p));
  for (const p of c.globalPolicies) dp.setGlobalNetworkPolicy(p);
}

/** The nft runner (one `ip netns exec <ns> nft -f -` per transaction, as the agent runs it) with its time added up. */
function timedRunner(netns: string): NftRunner & { ms: number } {
  const inner = processNftRunner({ netns });
  const r = {
    ms: 0,
    async run(args: readonly string[], stdin?: string) {
      const t = performance.now();
      const res = await inner.run(args, stdin);
      r.ms += performance.now() - t;
      return res;
    },
  };
  return r;
}

const NULL_RUNNER = { run: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }) };

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)] as number;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** The two real pods: a client and a server whose ingress walks the policies selecting app-0, plus an allow. */
function benchPods(c: Cluster): void {
  const server = c.pods[1] as BenchPod;
  const client = c.pods[0] as BenchPod;
  c.k8sPolicies.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-allow-client', namespace: server.pod.metadata.namespace },
    spec: { podSelector: { matchLabels: { app: server.pod.metadata.labels?.app as string } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: client.pod.metadata.labels?.app as string } } }], ports: [{ protocol: 'TCP', port: 80 }] }], policyTypes: ['Ingress'] },
  });
  // The client's app may be selected by generated egress policies: allow its connections to the server too.
  c.k8sPolicies.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-allow-egress', namespace: client.pod.metadata.namespace },
    spec: { podSelector: { matchLabels: { app: client.pod.metadata.labels?.app as string } }, egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: server.pod.metadata.labels?.app as string } } }], ports: [{ protocol: 'TCP', port: 80 }] }], policyTypes: ['Egress'] },
  });
}

interface Phases {
  calc: number;
  ir: number;
  render: number;
  kernel: number;
}

const zero = (): Phases => ({ calc: 0, ir: 0, render: 0, kernel: 0 });
const total = (p: Phases): number => p.calc + p.ir + p.render + p.kernel;
const add = (a: Phases, b: Phases): void => {
  a.calc += b.calc;
  a.ir += b.ir;
  a.render += b.render;
  a.kernel += b.kernel;
};

/** Gingham: calc -> rules IR -> nft text -> table owner diff -> one `nft -f -` transaction. */
class GinghamSide {
  readonly dp = new PolicyDataplane({ nodeName: NODE, runner: NULL_RUNNER, families: [4] });
  readonly builder = new RulesetBuilder(4);
  readonly renderer = new TableRenderer('gingham');
  readonly runner: NftRunner & { ms: number };
  readonly owner: NftTableOwner;
  ir?: Ruleset;
  /** nft script lines and changed objects written, summed over the syncs. */
  lines = 0;
  /** Time of each collect() transaction after a sync (not part of the time to enforcement). */
  readonly collectMs: number[] = [];
  objects = 0;

  constructor(netns: string) {
    this.runner = timedRunner(netns);
    this.owner = new NftTableOwner(this.runner, 'ip', 'gingham');
  }

  async program(change: () => void): Promise<Phases> {
    const t0 = performance.now();
    change();
    const changes = this.dp.resolver.takeChanges();
    const t1 = performance.now();
    this.ir = this.builder.build(this.dp.resolver, changes);
    const t2 = performance.now();
    const table = this.renderer.render(this.ir);
    const k0 = this.runner.ms;
    const res = await this.owner.sync(table);
    this.lines += res.lines;
    this.objects += res.changedObjects;
    const t3 = performance.now();
    const kernel = this.runner.ms - k0;
    return { calc: t1 - t0, ir: t2 - t1, render: t3 - t2 - kernel, kernel };
  }

  /** The deletion of chains and sets nothing refers to any more (the agent's periodic verify does it), timed. */
  async collect(): Promise<void> {
    const c0 = performance.now();
    await this.owner.collect();
    this.collectMs.push(performance.now() - c0);
  }
}

/** Felix-style: the same calc and IR, translated to iptables + ipsets, `ipset restore` + `iptables-restore --noflush`. */
class IptablesSide {
  readonly dp = new PolicyDataplane({ nodeName: NODE, runner: NULL_RUNNER, families: [4] });
  readonly builder = new RulesetBuilder(4);
  readonly translator = new IptTranslator();
  state?: IptState;
  chainsWritten = 0;

  constructor(private readonly netns: string) {}

  program(change: () => void): Phases {
    const t0 = performance.now();
    change();
    const changes = this.dp.resolver.takeChanges();
    const t1 = performance.now();
    const ir = this.builder.build(this.dp.resolver, changes);
    const t2 = performance.now();
    const next = this.translator.translate(ir);
    const prev = this.state;
    const { changed, deleted } = prev ? changedChains(next, prev) : { changed: [...next.chains.keys()], deleted: [] };
    const sets = ipsetScript(next, prev);
    const rules = changed.length || deleted.length ? iptablesScript(next, changed, deleted, !prev) : '';
    const t3 = performance.now();
    if (sets.script) run(this.netns, ['ipset', 'restore'], sets.script);
    if (rules) run(this.netns, ['iptables-restore', '--noflush'], rules);
    if (sets.destroy) run(this.netns, ['ipset', 'restore'], sets.destroy);
    const t4 = performance.now();
    this.state = next;
    this.chainsWritten += changed.length + deleted.length;
    return { calc: t1 - t0, ir: t2 - t1, render: t3 - t2, kernel: t4 - t3 };
  }
}

async function waitServing(node: Node): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (connectRate(node, 0.2).rate > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server pod in ${node.ns} never answered`);
}

function phasesText(p: Phases, n = 1): string {
  return `calc ${ms(p.calc / n)}, IR ${ms(p.ir / n)}, render+diff ${ms(p.render / n)}, kernel ${ms(p.kernel / n)}`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  selfTest();
  const cluster = generateCluster(DEFAULT_SPEC);
  benchPods(cluster);
  const real = cluster.pods.slice(0, 2);
  const nodes: Node[] = [];
  try {
    const bareNode = makeNode('b', real);
    const nftNode = makeNode('n', real);
    const iptNode = makeNode('i', real);
    nodes.push(bareNode, nftNode, iptNode);
    for (const n of nodes) await waitServing(n);
    // Same path without any policy, and both policed nodes before programming (a check that the nodes are alike).
    const pre = rounds([bareNode, nftNode, iptNode]);

    // One throwaway calculation first so that neither side pays V8's warm-up alone (measured separately).
    const w0 = performance.now();
    const warm = new PolicyDataplane({ nodeName: NODE, runner: NULL_RUNNER, families: [4] });
    feed(warm, cluster);
    warm.resolver.takeChanges();
    new RulesetBuilder(4).build(warm.resolver);
    const warmMs = performance.now() - w0;

    const g = new GinghamSide(nftNode.ns);
    const f = new IptablesSide(iptNode.ns);
    let [c0, k0] = [process.cpuUsage(), childCpuMs()];
    const gCold = await g.program(() => feed(g.dp, cluster));
    const gColdCpu = { self: cpuMs(process.cpuUsage(c0)), kernel: childCpuMs() - k0 };
    [c0, k0] = [process.cpuUsage(), childCpuMs()];
    const fCold = f.program(() => feed(f.dp, cluster));
    const fColdCpu = { self: cpuMs(process.cpuUsage(c0)), kernel: childCpuMs() - k0 };
    const ir = g.ir as Ruleset;
    const nftRules = [...ir.chains.values()].reduce((n, c) => n + c.rules.length, 0);
    const nftElems = [...ir.sets.values()].reduce((n, s) => n + s.elements.length, 0);
    const mapEntries = [...ir.maps.values()].reduce((n, m) => n + m.entries.size, 0);
    const ipt = f.state as IptState;
    const iptRules = ruleCount(ipt);
    const iptMembers = [...ipt.sets.values()].reduce((n, s) => n + s.members.length, 0);

    const [bare, polNft, polIpt] = rounds([bareNode, nftNode, iptNode]);

    // Label changes: a local endpoint (not one of the two real pods) moves to another app (and so to other
    // policies and other selector sets); each side programs the change incrementally.
    const apps = [...new Set(cluster.pods.map((p) => p.pod.metadata.labels?.app as string))];
    const gLat: number[] = [];
    const fLat: number[] = [];
    const gSum = zero();
    const fSum = zero();
    const chains0 = f.chainsWritten;
    const [lines0, objects0] = [g.lines, g.objects];
    const cpu = { g: 0, gKernel: 0, f: 0, fKernel: 0 };
    for (let i = 0; i < CHANGES; i++) {
      const p = cluster.pods[2 + (i % 98)] as BenchPod;
      const pod = { ...p.pod, metadata: { ...p.pod.metadata, labels: { ...p.pod.metadata.labels, app: apps[(i * 7) % apps.length] as string } } };
      const wep = benchWep(pod, p.ip, p.iface, true);
      let [c, k] = [process.cpuUsage(), childCpuMs()];
      const gp = await g.program(() => g.dp.setWorkloadEndpoint(wep));
      cpu.g += cpuMs(process.cpuUsage(c));
      cpu.gKernel += childCpuMs() - k;
      // Enforced from here on; the clean-up follows as its own transaction, outside the measured latency.
      await g.collect();
      [c, k] = [process.cpuUsage(), childCpuMs()];
      const fp = f.program(() => f.dp.setWorkloadEndpoint(wep));
      cpu.f += cpuMs(process.cpuUsage(c));
      cpu.fKernel += childCpuMs() - k;
      add(gSum, gp);
      add(fSum, fp);
      gLat.push(total(gp));
      fLat.push(total(fp));
    }
    const [bare2, afterNft, afterIpt] = rounds([bareNode, nftNode, iptNode]);
    // The fixed cost of one transaction on the loaded tables: an empty `nft -f -` / `iptables-restore --noflush`.
    const fixed = { nft: [] as number[], ipt: [] as number[] };
    for (let i = 0; i < 10; i++) {
      let t = performance.now();
      await g.runner.run(['-f', '-'], 'add table ip gingham\n');
      fixed.nft.push(performance.now() - t);
      t = performance.now();
      run(iptNode.ns, ['iptables-restore', '--noflush'], '*filter\nCOMMIT\n');
      fixed.ipt.push(performance.now() - t);
    }
    const rate = (x: Rate, b: Rate): string => `${x.rate.toFixed(0)}/s (${((x.rate / b.rate) * 100).toFixed(1)} % of no policy, ${x.fail} failed)`;

    const out = [
      `bench:policy: ${DEFAULT_SPEC.policies} policies (+2 bench allows), ${DEFAULT_SPEC.endpoints} endpoints (${DEFAULT_SPEC.localEndpoints} local), ${cluster.namespaces.length} namespaces, seed ${DEFAULT_SPEC.seed}, IPv4`,
      `warm-up calc+IR (V8 JIT, not counted below): ${ms(warmMs)}`,
      `cold programming: gingham ${ms(total(gCold))} (${phasesText(gCold)}) | iptables ${ms(total(fCold))} (${phasesText(fCold)}) | iptables/gingham ${(total(fCold) / total(gCold)).toFixed(2)}; kernel only ${(fCold.kernel / gCold.kernel).toFixed(2)}`,
      `cold programming CPU time (user + system): gingham ${ms(gColdCpu.self)} + nft ${ms(gColdCpu.kernel)} | iptables ${ms(fColdCpu.self)} + ipset/iptables-restore ${ms(fColdCpu.kernel)}`,
      `label change -> enforced (${CHANGES} changes): gingham p50 ${ms(pct(gLat, 50))} p99 ${ms(pct(gLat, 99))} (mean ${phasesText(gSum, CHANGES)}; ${((g.lines - lines0) / CHANGES).toFixed(0)} nft lines, ${((g.objects - objects0) / CHANGES).toFixed(1)} objects per change) | iptables p50 ${ms(pct(fLat, 50))} p99 ${ms(pct(fLat, 99))} (mean ${phasesText(fSum, CHANGES)}; ${((f.chainsWritten - chains0) / CHANGES).toFixed(1)} chains rewritten per change) | p99 iptables/gingham ${(pct(fLat, 99) / pct(gLat, 99)).toFixed(2)}`,
      `CPU time per label change (user + system, mean; what load does not inflate): gingham calc+IR+render ${ms(cpu.g / CHANGES)} + nft processes ${ms(cpu.gKernel / CHANGES)} | iptables calc+IR+translate ${ms(cpu.f / CHANGES)} + ipset/iptables-restore processes ${ms(cpu.fKernel / CHANGES)}`,
      `gingham's deletion of unreferenced chains and sets (the agent does it on its periodic verify; here after each change, not counted above): p50 ${ms(pct(g.collectMs.slice(-CHANGES), 50))} p99 ${ms(pct(g.collectMs.slice(-CHANGES), 99))}`,
      `empty transaction on the loaded tables (p50 of 10, incl. ~5 ms ip netns exec): nft -f ${ms(pct(fixed.nft, 50))} | iptables-restore --noflush ${ms(pct(fixed.ipt, 50))}`,
      `rules: gingham ${nftRules} rules in ${ir.chains.size} chains, ${ir.sets.size} sets (${nftElems} elements), 2 vmaps (${mapEntries} entries) | iptables ${iptRules} rules in ${ipt.chains.size} chains, ${ipt.sets.size} ipsets (${iptMembers} members) | rules iptables/gingham ${(iptRules / nftRules).toFixed(2)}`,
      `new TCP connections (sequential connect loop pod -> pod through egress + ingress policy, median of ${ROUNDS} interleaved ${CONNECT_SECONDS} s rounds): before programming: bare ${(pre[0] as Rate).rate.toFixed(0)}/s, nft node ${(pre[1] as Rate).rate.toFixed(0)}/s, iptables node ${(pre[2] as Rate).rate.toFixed(0)}/s`,
      `  programmed: no policy ${(bare as Rate).rate.toFixed(0)}/s (${(bare as Rate).fail} failed) | gingham ${rate(polNft as Rate, bare as Rate)} | iptables ${rate(polIpt as Rate, bare as Rate)}`,
      `  after the label changes: no policy ${(bare2 as Rate).rate.toFixed(0)}/s (${(bare2 as Rate).fail} failed) | gingham ${rate(afterNft as Rate, bare2 as Rate)} | iptables ${rate(afterIpt as Rate, bare2 as Rate)}`,
      `wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    ];
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    for (const pid of servers) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    for (const n of nodes) {
      for (const p of n.pods) spawnSync('ip', ['netns', 'del', p.netns]);
      spawnSync('ip', ['netns', 'del', n.ns]);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:policy failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
