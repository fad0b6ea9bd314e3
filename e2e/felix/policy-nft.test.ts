// Network policy on a real kernel: a "node" namespace with a veth `cali*` per pod namespace (routes and proxy ARP as
// the CNI plugin makes them), policies programmed by the PolicyDataplane through `nft` inside the node namespace,
// and real TCP/UDP packets between small node:net servers and clients in the pod namespaces.
// Pods: x/a, x/b (namespace x, labels ns=x) and y/c, y/d (namespace y); every pod serves TCP 80, 81, 8080 and UDP 80
// and declares container port 8080 as "serve-8080" (named-port rules resolve against it).
import { spawnSync } from 'node:child_process';
import type { WorkloadEndpoint } from '../../src/api/kind-workload-endpoint';
import type { GlobalNetworkPolicy } from '../../src/api/kind-global-network-policy';
import { decodeNamespace, k8sNetworkPolicyToCalico, namespaceToProfile, podEndpointLabels, podEndpointPorts, podProfiles, type K8sNetworkPolicySpec, type K8sPod } from '../../src/api/k8s';
import type { StagedPolicy } from '../../src/api/kind-staged-policies';
import { PolicyDataplane } from '../../src/felix/policy-dataplane';
import type { RuleRef } from '../../src/felix/rules/ir';
import { ruleRefId } from '../../src/felix/rules/rule-ref';
import { processNftRunner } from '../../src/felix/tables/nft-command';
import { readCounters } from '../../src/felix/tables/nft-counters';
import { makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { inNetns } from '../netlink/netns-client';
import { removeNodeAndPods, wireNodeAndPods } from './pod-netns';

const ok = requireTools('felix policy nft', ['ip', 'nft', 'node'], { root: true });

const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const nodeNs = `gh-pol-n-${suffix}`;
const NODE = 'node1';

interface PodDef {
  ns: string;
  name: string;
  ip: string;
  iface: string;
  netns: string;
}

const pods: PodDef[] = [
  { ns: 'x', name: 'a', ip: '10.65.0.1' },
  { ns: 'x', name: 'b', ip: '10.65.0.2' },
  { ns: 'y', name: 'c', ip: '10.65.0.3' },
  { ns: 'y', name: 'd', ip: '10.65.0.4' },
  // A pod whose interface the agent never learns about: its traffic must be dropped (fail closed).
  { ns: 'y', name: 'u', ip: '10.65.0.9' },
].map((p, i) => ({ ...p, iface: `calipol0000${i}`, netns: `gh-pol-${p.name}-${suffix}` }));
const pod = (name: string): PodDef => pods.find((p) => p.name === name) as PodDef;

const SERVER = `
const net = require('net'), dgram = require('dgram'); const name = process.argv[1];
for (const port of [80, 81, 8080]) net.createServer((s) => { s.on('error', () => {}); s.end(name); }).listen(port, '0.0.0.0');
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(name, r.port, r.address)); u.bind(80, '0.0.0.0');
setInterval(() => {}, 1 << 30);`;

const CLIENT = `
const net = require('net'), dgram = require('dgram'); const probes = JSON.parse(process.argv[1]);
const one = (p) => new Promise((done) => {
  const t = setTimeout(() => finish(false), 800); let s;
  const finish = (v) => { clearTimeout(t); try { s && (s.destroy ? s.destroy() : s.close()); } catch {} done(v); };
  if (p.proto === 'tcp') { s = net.connect(p.port, p.host, () => finish(true)); s.on('error', () => finish(false)); }
  else { s = dgram.createSocket('udp4'); s.on('message', () => finish(true)); s.on('error', () => finish(false)); s.send('x', p.port, p.host); }
});
Promise.all(probes.map(one)).then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); });`;

const servers: ManagedProcess[] = [];

interface Probe {
  from: string;
  to: string;
  port?: number;
  proto?: 'tcp' | 'udp';
}

/** Runs probes grouped by source namespace (one client process each); returns "from->to:port/proto" per probe. */
function probe(list: Probe[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const bySource = new Map<string, Probe[]>();
  for (const p of list) bySource.set(p.from, [...(bySource.get(p.from) ?? []), p]);
  for (const [from, ps] of bySource) {
    const netns = from === 'node' ? nodeNs : pod(from).netns;
    const args = ps.map((p) => ({ host: pod(p.to).ip, port: p.port ?? 80, proto: p.proto ?? 'tcp' }));
    const res = spawnSync('ip', ['netns', 'exec', netns, 'node', '-e', CLIENT, JSON.stringify(args)], { encoding: 'utf8', timeout: 15000 });
    const results = JSON.parse(res.stdout || '[]') as boolean[];
    ps.forEach((p, i) => (out[`${p.from}->${p.to}:${p.port ?? 80}/${p.proto ?? 'tcp'}`] = results[i] === true));
  }
  return out;
}

/** Expects exactly the listed probes to connect and the others to be blocked. */
function expectReach(connected: Probe[], blocked: Probe[]): void {
  const res = probe([...connected, ...blocked]);
  const key = (p: Probe): string => `${p.from}->${p.to}:${p.port ?? 80}/${p.proto ?? 'tcp'}`;
  const want: Record<string, boolean> = {};
  for (const p of connected) want[key(p)] = true;
  for (const p of blocked) want[key(p)] = false;
  expect(res).toEqual(want);
}

const all = (to: string, from = ['a', 'b', 'c', 'd'].filter((f) => f !== to)): Probe[] => from.map((f) => ({ from: f, to }));

function k8sPod(p: PodDef): K8sPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.ns, labels: { pod: p.name } },
    spec: { nodeName: NODE, serviceAccountName: 'default', containers: [{ name: 'c', ports: [{ name: 'serve-8080', containerPort: 8080, protocol: 'TCP' }] }] },
  };
}

function wep(p: PodDef): WorkloadEndpoint {
  const kp = k8sPod(p);
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: `${NODE}-k8s-${p.name}-eth0`, namespace: p.ns, labels: podEndpointLabels(kp) },
    spec: { node: NODE, orchestrator: 'k8s', pod: p.name, endpoint: 'eth0', interfaceName: p.iface, ipNetworks: [`${p.ip}/32`], profiles: podProfiles(kp), ports: podEndpointPorts(kp) },
  };
}

function newAgent(): PolicyDataplane {
  const dp = new PolicyDataplane({ nodeName: NODE, runner: processNftRunner({ netns: nodeNs }), families: [4, 6] });
  for (const ns of ['x', 'y']) dp.setProfile(namespaceToProfile(decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ns } } })));
  for (const p of pods.filter((q) => q.name !== 'u')) dp.setWorkloadEndpoint(wep(p));
  return dp;
}

describeIf(ok)('felix network policy with nftables (real kernel, network namespaces)', () => {
  let dp: PolicyDataplane;
  const k8sPolicies: Array<[string, string]> = [];
  const gnps: string[] = [];
  const stagedPolicies: StagedPolicy[] = [];

  function k8s(ns: string, name: string, spec: Partial<K8sNetworkPolicySpec>): void {
    dp.setNetworkPolicy(k8sNetworkPolicyToCalico({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec } }));
    k8sPolicies.push([ns, `knp.default.${name}`]);
  }

  function staged(p: Omit<StagedPolicy, 'apiVersion'>): void {
    const res = { apiVersion: 'projectcalico.org/v3', ...p } as StagedPolicy;
    dp.setStagedPolicy(res);
    stagedPolicies.push(res);
  }

  function gnp(name: string, spec: GlobalNetworkPolicy['spec']): void {
    dp.setGlobalNetworkPolicy({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
    gnps.push(name);
  }

  beforeAll(async () => {
    const workDir = makeWorkDir('policy-nft');
    wireNodeAndPods(nodeNs, pods);
    for (const p of pods) {
      servers.push(spawnDaemon({ name: `server-${p.name}`, cmd: 'ip', args: ['netns', 'exec', p.netns, 'node', '-e', SERVER, p.name], workDir }));
    }
    // Servers are up when every pod answers TCP 80 from the node.
    await waitFor(() => Object.values(probe(pods.map((p) => ({ from: 'node', to: p.name })))).every(Boolean), 15000, 'policy test servers');
    dp = newAgent();
  }, 60000);

  afterEach(async () => {
    if (!dp) return;
    for (const [ns, name] of k8sPolicies.splice(0)) dp.deleteNetworkPolicy(ns, name);
    for (const name of gnps.splice(0)) dp.deleteGlobalNetworkPolicy(name);
    for (const p of stagedPolicies.splice(0)) dp.deleteStagedPolicy(p.kind, p.metadata.namespace, p.metadata.name);
    dp.deleteTier('sec');
    await dp.apply();
  });

  afterAll(async () => {
    // Namespaces go whatever happens to the servers; the servers are stopped by their PIDs.
    try {
      for (const s of servers) await stopProcess(s.pid);
    } finally {
      removeNodeAndPods(nodeNs, pods);
    }
  }, 60000);

  it('without policy every known pod reaches every pod; an unknown cali interface is dropped', async () => {
    await dp.apply();
    expect(inNetns(nodeNs, ['nft', 'list', 'tables'])).toContain('table ip6 gingham');
    expectReach([...all('a'), ...all('c'), { from: 'b', to: 'd', proto: 'udp' }], [{ from: 'u', to: 'a' }, { from: 'a', to: 'u' }]);
  }, 30000);

  it('default deny ingress isolates the namespace; replies and node -> pod still pass', async () => {
    k8s('x', 'deny-ingress', { ingress: [] });
    await dp.apply();
    expectReach([{ from: 'a', to: 'c' }, { from: 'c', to: 'd' }, { from: 'node', to: 'a' }, { from: 'node', to: 'b' }], [...all('a'), ...all('b')]);
  }, 30000);

  it('allows from a pod selector ANDed with a namespace selector', async () => {
    k8s('x', 'allow-yc', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'c' } } }] }] });
    await dp.apply();
    expectReach([{ from: 'c', to: 'a' }, { from: 'a', to: 'b' }], [{ from: 'd', to: 'a' }, { from: 'b', to: 'a' }]);
  }, 30000);

  it('allows a whole namespace with namespaceSelector', async () => {
    k8s('x', 'allow-y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] });
    await dp.apply();
    expectReach([{ from: 'c', to: 'a' }, { from: 'd', to: 'a' }], [{ from: 'b', to: 'a' }]);
  }, 30000);

  it('ipBlock with except matches pod addresses', async () => {
    k8s('x', 'ipblock', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.65.0.0/24', except: [`${pod('c').ip}/32`] } }] }] });
    await dp.apply();
    expectReach([{ from: 'b', to: 'a' }, { from: 'd', to: 'a' }], [{ from: 'c', to: 'a' }]);
  }, 30000);

  it('ports with endPort and named ports, per protocol', async () => {
    k8s('x', 'ports', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ ports: [{ port: 80, endPort: 81 }] }, { ports: [{ port: 'serve-8080' }] }] });
    await dp.apply();
    expectReach(
      [
        { from: 'c', to: 'a', port: 80 },
        { from: 'c', to: 'a', port: 81 },
        { from: 'c', to: 'a', port: 8080 },
      ],
      [{ from: 'c', to: 'a', port: 80, proto: 'udp' }],
    );
    k8s('x', 'ports', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ ports: [{ protocol: 'UDP', port: 80 }] }] });
    await dp.apply();
    expectReach([{ from: 'c', to: 'a', port: 80, proto: 'udp' }], [{ from: 'c', to: 'a', port: 80 }, { from: 'c', to: 'a', port: 8080 }]);
  }, 30000);

  it('egress policy: only to namespace y on TCP 80; replies of allowed connections pass', async () => {
    k8s('x', 'egress', { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 80 }] }] });
    await dp.apply();
    expectReach([{ from: 'b', to: 'c' }, { from: 'a', to: 'b' }], [{ from: 'b', to: 'c', port: 81 }, { from: 'b', to: 'a' }]);
  }, 30000);

  it('a tier with Pass hands traffic to the next tier; Deny before a later Allow wins', async () => {
    dp.setTier({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'sec' }, spec: { order: 10, defaultAction: 'Deny' } });
    gnp('sec-pass-y', { tier: 'sec', order: 1, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Pass', source: { namespaceSelector: "ns == 'y'" } }] });
    await dp.apply();
    // x/b is not passed: the sec tier's end-of-tier drop; y is passed, no default-tier policy applies: profile allows.
    expectReach([{ from: 'c', to: 'a' }, { from: 'd', to: 'a' }], [{ from: 'b', to: 'a' }]);
    gnp('deny-d', { order: 10, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "pod == 'd'" } }] });
    gnp('allow-all', { order: 20, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow' }] });
    await dp.apply();
    expectReach([{ from: 'c', to: 'a' }], [{ from: 'd', to: 'a' }, { from: 'b', to: 'a' }]);
  }, 30000);

  it('staged policies change no probe result; their would-be denials count, packet for packet, under staged refs', async () => {
    gnp('allow-a', { order: 10, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow' }] });
    // Stands in for allow-a: would allow only namespace y, so x/b -> x/a would be denied at the end of the tier.
    staged({ kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'allow-a' }, spec: { order: 10, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { namespaceSelector: "ns == 'y'" } }] } });
    // Only a staged policy selects x/b: the default tier takes part in b's staged evaluation alone.
    staged({ kind: 'StagedKubernetesNetworkPolicy', metadata: { name: 'deny-b', namespace: 'x' }, spec: { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Ingress'] } });
    await dp.apply();
    const ref = (r: Omit<RuleRef, 'direction'>): string => ruleRefId({ direction: 'ingress', ...r });
    const names = {
      stagedEndOfTier: ref({ tier: 'default', policy: '', rule: 'end-of-tier', staged: true }),
      stagedAllowY: ref({ tier: 'default', policy: 'allow-a', rule: 0, staged: true }),
      enforcedAllow: ref({ tier: 'default', policy: 'allow-a', rule: 0 }),
    };
    const runner = processNftRunner({ netns: nodeNs });
    const before = await readCounters(runner, 'ip', 'gingham');
    expect([...before.keys()]).toEqual(expect.arrayContaining(Object.values(names)));
    // One new TCP connection each: one SYN reaches policy, the rest of the connection is conntrack's.
    expectReach([{ from: 'b', to: 'a' }, { from: 'c', to: 'a' }, { from: 'a', to: 'b' }], []);
    const after = await readCounters(runner, 'ip', 'gingham');
    const moved = Object.fromEntries(Object.entries(names).map(([k, n]) => [k, (after.get(n)?.packets ?? 0) - (before.get(n)?.packets ?? 0)]));
    expect(moved).toEqual({ stagedEndOfTier: 2, stagedAllowY: 1, enforcedAllow: 2 });
  }, 30000);

  it('repairs a rule tampered with by hand', async () => {
    k8s('x', 'deny', { ingress: [] });
    await dp.apply();
    expect(await dp.verify()).toEqual([]);
    inNetns(nodeNs, ['nft', 'insert', 'rule', 'ip', 'gingham', 'forward', 'accept']);
    expectReach([{ from: 'c', to: 'a' }], []);
    expect(await dp.verify()).toEqual(['ip chain:forward']);
    expectReach([], [{ from: 'c', to: 'a' }]);
  }, 30000);

  it('a restarted agent keeps enforcing: the table stays until its first sync, which replaces it in place', async () => {
    k8s('x', 'deny', { ingress: [] });
    await dp.apply();
    const restarted = newAgent();
    restarted.setNetworkPolicy(k8sNetworkPolicyToCalico({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'x' }, spec: { podSelector: {}, ingress: [] } }));
    expectReach([{ from: 'a', to: 'c' }], [{ from: 'c', to: 'a' }]);
    await restarted.apply();
    expectReach([{ from: 'a', to: 'c' }], [{ from: 'c', to: 'a' }]);
  }, 30000);
});
