// bench:policy — Gingham's nftables policy dataplane against a Felix-style iptables+ipset rendering of the SAME
// intermediate representation (src/felix/rules), on a synthetic cluster, each in its own node network namespace
// with two real pod namespaces. Root only; every namespace it creates is removed at the end. Results on stdout.

import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { decodeNamespace, k8sNetworkPolicyToCalico, namespaceToProfile } from '../../src/api/k8s';
import { PolicyDataplane } from '../../src/felix/policy-dataplane';
import { RulesetBuilder } from '../../src/felix/rules/ruleset';
import { processNftRunner } from '../../src/felix/tables/nft-command';
import { renderTable } from '../../src/felix/tables/nft-render';
import { NftTableOwner } from '../../src/felix/tables/table-owner';
import { benchWep, DEFAULT_SPEC, generateCluster, NODE, type BenchPod, type Cluster } from './cluster';
import { changedChains, ipsetScript, iptablesScript, ruleCount, translateRuleset, type IptState } from './iptables-render';

const suffix = `${process.pid % 10000}`;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const CONNECT_SECONDS = Number(process.env.BENCH_CONNECT_SECONDS ?? 4);

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

function connectRate(node: Node): { rate: number; fail: number } {
  const [client, server] = node.pods;
  const r = spawnSync('ip', ['netns', 'exec', client?.netns as string, 'node', '-e', CLIENT, server?.p.ip as string, String(CONNECT_SECONDS)], { encoding: 'utf8', timeout: (CONNECT_SECONDS + 10) * 1000 });
  const res = JSON.parse(r.stdout || '{"n":0,"fail":-1}') as { n: number; fail: number };
  return { rate: res.n / CONNECT_SECONDS, fail: res.fail };
}

function feed(dp: PolicyDataplane, c: Cluster): void {
  for (const n of c.namespaces) dp.setProfile(namespaceToProfile(decodeNamespace(n)));
  for (const p of c.pods) dp.setWorkloadEndpoint(p.wep);
  for (const p of c.k8sPolicies) dp.setNetworkPolicy(k8sNetworkPolicyToCalico(p));
  for (const p of c.globalPolicies) dp.setGlobalNetworkPolicy(p);
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
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const cluster = generateCluster(DEFAULT_SPEC);
  benchPods(cluster);
  const real = cluster.pods.slice(0, 2);
  const nodes: Node[] = [];
  try {
    const nftNode = makeNode('n', real);
    const iptNode = makeNode('i', real);
    nodes.push(nftNode, iptNode);
    await new Promise((r) => setTimeout(r, 500));
    const base = { nft: connectRate(nftNode), ipt: connectRate(iptNode) };

    // (a) Gingham: calc -> rules IR -> nft text -> table owner transaction.
    const g = new PolicyDataplane({ nodeName: NODE, runner: NULL_RUNNER, families: [4] });
    const gBuilder = new RulesetBuilder(4);
    const owner = new NftTableOwner(processNftRunner({ netns: nftNode.ns }), 'ip', 'gingham');
    let c0 = performance.now();
    feed(g, cluster);
    g.resolver.takeChanges();
    let c1 = performance.now();
    let ir = gBuilder.build(g.resolver);
    let table = renderTable(ir, 'gingham');
    let c2 = performance.now();
    await owner.sync(table);
    let c3 = performance.now();
    const gCold = { calc: c1 - c0, render: c2 - c1, nft: c3 - c2 };
    const nftRules = [...ir.chains.values()].reduce((n, c) => n + c.rules.length, 0);
    const nftElems = [...ir.sets.values()].reduce((n, s) => n + s.elements.length, 0);

    // (b) Felix-style iptables: same calc and IR, translated, ipset restore + iptables-restore.
    const f = new PolicyDataplane({ nodeName: NODE, runner: NULL_RUNNER, families: [4] });
    const fBuilder = new RulesetBuilder(4);
    c0 = performance.now();
    feed(f, cluster);
    f.resolver.takeChanges();
    c1 = performance.now();
    let ipt: IptState = translateRuleset(fBuilder.build(f.resolver));
    c2 = performance.now();
    const sets = ipsetScript(ipt);
    run(iptNode.ns, ['ipset', 'restore'], sets.script);
    run(iptNode.ns, ['iptables-restore', '--noflush'], iptablesScript(ipt, ipt.chains.keys(), [], true));
    c3 = performance.now();
    const fCold = { calc: c1 - c0, render: c2 - c1, kernel: c3 - c2 };
    const iptRules = ruleCount(ipt);
    const iptMembers = [...ipt.sets.values()].reduce((n, s) => n + s.members.length, 0);

    const policed = { nft: connectRate(nftNode), ipt: connectRate(iptNode) };

    // Label changes: one local endpoint (not the two real pods) gets another app label and back.
    const apps = [...new Set(cluster.pods.map((p) => p.pod.metadata.labels?.app as string))];
    const gLat: number[] = [];
    const gParts = { calc: 0, render: 0, nft: 0 };
    const fLat: number[] = [];
    const fParts = { calc: 0, render: 0, kernel: 0 };
    let changedChainsTotal = 0;
    for (let i = 0; i < CHANGES; i++) {
      const p = cluster.pods[2 + (i % 98)] as BenchPod;
      const pod = { ...p.pod, metadata: { ...p.pod.metadata, labels: { ...p.pod.metadata.labels, app: apps[(i * 7) % apps.length] as string } } };
      const wep = benchWep(pod, p.ip, p.iface, true);
      c0 = performance.now();
      g.setWorkloadEndpoint(wep);
      g.resolver.takeChanges();
      c1 = performance.now();
      ir = gBuilder.build(g.resolver);
      table = renderTable(ir, 'gingham');
      c2 = performance.now();
      await owner.sync(table);
      c3 = performance.now();
      gParts.calc += c1 - c0;
      gParts.render += c2 - c1;
      gParts.nft += c3 - c2;
      gLat.push(c3 - c0);

      c0 = performance.now();
      f.setWorkloadEndpoint(wep);
      f.resolver.takeChanges();
      c1 = performance.now();
      const next = translateRuleset(fBuilder.build(f.resolver));
      const { changed, deleted } = changedChains(next, ipt);
      const s = ipsetScript(next, ipt);
      c2 = performance.now();
      if (s.script) run(iptNode.ns, ['ipset', 'restore'], s.script);
      if (changed.length || deleted.length) run(iptNode.ns, ['iptables-restore', '--noflush'], iptablesScript(next, changed, deleted));
      if (s.destroy) run(iptNode.ns, ['ipset', 'restore'], s.destroy);
      c3 = performance.now();
      changedChainsTotal += changed.length + deleted.length;
      ipt = next;
      fParts.calc += c1 - c0;
      fParts.render += c2 - c1;
      fParts.kernel += c3 - c2;
      fLat.push(c3 - c0);
    }
    const after = { nft: connectRate(nftNode), ipt: connectRate(iptNode) };

    const gTotal = gCold.calc + gCold.render + gCold.nft;
    const fTotal = fCold.calc + fCold.render + fCold.kernel;
    const out = [
      `bench:policy — ${DEFAULT_SPEC.policies} policies (+1 bench allow), ${DEFAULT_SPEC.endpoints} endpoints (${DEFAULT_SPEC.localEndpoints} local), seed ${DEFAULT_SPEC.seed}, IPv4`,
      `cold programming: gingham nft ${ms(gTotal)} (calc ${ms(gCold.calc)}, IR+render ${ms(gCold.render)}, nft ${ms(gCold.nft)}) | iptables ${ms(fTotal)} (calc ${ms(fCold.calc)}, IR+translate ${ms(fCold.render)}, ipset+iptables-restore ${ms(fCold.kernel)}) | ratio iptables/gingham ${(fTotal / gTotal).toFixed(2)}`,
      `label change -> enforced (${CHANGES}): gingham p50 ${ms(pct(gLat, 50))} p99 ${ms(pct(gLat, 99))} (mean calc ${ms(gParts.calc / CHANGES)}, IR+render ${ms(gParts.render / CHANGES)}, nft ${ms(gParts.nft / CHANGES)}) | iptables p50 ${ms(pct(fLat, 50))} p99 ${ms(pct(fLat, 99))} (mean calc ${ms(fParts.calc / CHANGES)}, IR+translate+diff ${ms(fParts.render / CHANGES)}, restore ${ms(fParts.kernel / CHANGES)}; ${(changedChainsTotal / CHANGES).toFixed(1)} chains rewritten per change)`,
      `rules: gingham ${nftRules} rules in ${ir.chains.size} chains, ${ir.sets.size} sets (${nftElems} elements), 2 vmaps | iptables ${iptRules} rules in ${ipt.chains.size} chains, ${ipt.sets.size} ipsets (${iptMembers} members)`,
      `new TCP connections/s (${CONNECT_SECONDS} s loop, pod -> pod through ingress policy): no policy nft-node ${base.nft.rate.toFixed(0)}, ipt-node ${base.ipt.rate.toFixed(0)} | gingham ${policed.nft.rate.toFixed(0)} (${((policed.nft.rate / base.nft.rate) * 100).toFixed(1)} %, failures ${policed.nft.fail}) | iptables ${policed.ipt.rate.toFixed(0)} (${((policed.ipt.rate / base.ipt.rate) * 100).toFixed(1)} %, failures ${policed.ipt.fail}) | after the changes: gingham ${after.nft.rate.toFixed(0)}, iptables ${after.ipt.rate.toFixed(0)}`,
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
