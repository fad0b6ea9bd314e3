// Per-rule counters and the denied-flow log on a real kernel: a "node" namespace with two pod namespaces behind
// `cali*` veths (as the CNI plugin wires them), the policy programmed by the PolicyDataplane through `nft` in the
// node namespace, and real UDP packets from pod a to pod b sent by a small python sender. The flow log's nflog
// socket is opened inside the node namespace by this process, which plays the agent: its event loop is measured
// while 10,000 denied packets a second arrive. `gingham policy stats` and `gingham policy flows --follow` (the
// built CLI) read this process's status API and log file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PolicyStatsReply } from '../../src/api/wire/policy-stats';
import { decodeNamespace, namespaceToProfile } from '../../src/api/k8s';
import { PolicyDataplane } from '../../src/felix/policy-dataplane';
import { processNftRunner } from '../../src/felix/tables/nft-command';
import { NflogSocket } from '../../src/netlink/nflog-socket';
import { policyStatsReply } from '../../src/node/policy-stats';
import { serveNodeStatus } from '../../src/node/status-api';
import type { UnixServer } from '../../src/lib/unix-grpc';
import { GINGHAM } from '../lab/lab-harness';
import { makeWorkDir, run, waitFor } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { inNetns } from '../netlink/netns-client';
import { removeNodeAndPods, wireNodeAndPods } from './pod-netns';

const ok = requireTools('felix policy observability', ['ip', 'nft', 'python3', 'node'], { root: true });

const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const nodeNs = `gh-obs-n-${suffix}`;
const NODE = 'node1';
const pods = [
  { name: 'a', ip: '10.67.0.1', iface: `caliobsa${suffix.slice(0, 4)}`, netns: `gh-obs-a-${suffix}` },
  { name: 'b', ip: '10.67.0.2', iface: `caliobsb${suffix.slice(0, 4)}`, netns: `gh-obs-b-${suffix}` },
];
const [podA, podB] = pods as [(typeof pods)[0], (typeof pods)[0]];

// Sends `count` UDP datagrams to host:port at `rate` a second; `fresh` uses a new source port (a new flow) per datagram.
const SENDER = `
import socket, sys, time
host, port, count, rate, fresh = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == '1'
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
for i in range(count):
    if fresh:
        s.close(); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ahead = t0 + i / rate - time.monotonic()
    if ahead > 0.002: time.sleep(ahead)
    s.sendto(b'x' * 18, (host, port))
print(time.monotonic() - t0)
`;

/** Sends from pod a to pod b; resolves with the seconds the sending took. */
function send(port: number, count: number, rate: number, fresh: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', podA.netns, 'python3', '-c', SENDER, podB.ip, String(port), String(count), String(rate), fresh ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`sender exited ${code}: ${err}`));
    });
  });
}

describeIf(ok)('policy counters and denied-flow log (real kernel, network namespaces)', () => {
  let dp: PolicyDataplane;
  let status: UnixServer | undefined;
  const workDir = makeWorkDir('policy-obs');
  const logDir = path.join(workDir, 'flows');
  const socket = path.join(workDir, 'node.sock');

  const count = async (policy: string, rule: number | 'end-of-tier', direction = 'ingress', tier = 'default'): Promise<number> =>
    (await dp.ruleStats()).find((r) => r.tier === tier && r.policy === policy && r.rule === rule && r.direction === direction)?.packets ?? 0;

  beforeAll(async () => {
    wireNodeAndPods(nodeNs, pods);
    // Neighbours resolved before counting: no packet of the counted ones is lost to ARP.
    inNetns(podA.netns, ['ping', '-c', '1', '-W', '2', podB.ip]);
    dp = new PolicyDataplane({
      nodeName: NODE,
      runner: processNftRunner({ netns: nodeNs }),
      families: [4],
      nflog: (group, onPacket) => NflogSocket.open(group, onPacket, { netns: `/var/run/netns/${nodeNs}` }),
      // Small, so a burst of nflog messages overflows it and the drops show.
      flowLogQueueLimit: 50,
    });
    dp.setProfile(namespaceToProfile(decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })));
    for (const p of pods) {
      dp.setWorkloadEndpoint({
        apiVersion: 'projectcalico.org/v3',
        kind: 'WorkloadEndpoint',
        metadata: { name: `${NODE}-k8s-${p.name}-eth0`, namespace: 'x', labels: { 'projectcalico.org/namespace': 'x', pod: p.name } },
        spec: { node: NODE, orchestrator: 'k8s', pod: p.name, endpoint: 'eth0', interfaceName: p.iface, ipNetworks: [`${p.ip}/32`], profiles: ['kns.x'] },
      });
    }
    dp.setNetworkPolicy({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'to-b', namespace: 'x' },
      spec: {
        selector: "pod == 'b'",
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'UDP', destination: { ports: [5001] } },
          { action: 'Deny', protocol: 'UDP', destination: { ports: [5002] } },
        ],
      },
    });
    await dp.apply();
    status = await serveNodeStatus(socket, () => ({ nodeName: NODE, now: Date.now(), peers: [] }), () => policyStatsReply(NODE, dp));
  }, 60000);

  afterAll(async () => {
    try {
      await status?.close();
      await dp?.close();
    } finally {
      removeNodeAndPods(nodeNs, pods);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, 60000);

  it('counters move by exactly the packets sent, per rule, and survive an unchanged re-apply and unrelated changes', async () => {
    const before = { allow: await count('x/to-b', 0), deny: await count('x/to-b', 1), end: await count('', 'end-of-tier'), egress: await count('kns.x', 0, 'egress', '') };
    await send(5001, 40, 2000, true);
    await send(5002, 25, 2000, true);
    await send(5003, 7, 2000, true);
    expect(await count('x/to-b', 0)).toBe(before.allow + 40);
    expect(await count('x/to-b', 1)).toBe(before.deny + 25);
    expect(await count('', 'end-of-tier')).toBe(before.end + 7);
    // Pod a's egress is its namespace profile's Allow: every datagram passed it.
    expect(await count('kns.x', 0, 'egress', '')).toBe(before.egress + 72);
    // The same policy applied again, and another policy added and removed: the counters keep their values.
    const allow = await count('x/to-b', 0);
    dp.setNetworkPolicy({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'other', namespace: 'x' }, spec: { selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow' }] } });
    await dp.apply();
    dp.deleteNetworkPolicy('x', 'other');
    await dp.apply();
    expect(await count('x/to-b', 0)).toBe(allow);
    // gingham policy stats (the built CLI) reads the same counters through the status API this process serves.
    const res = await run('node', [GINGHAM, 'policy', 'stats', '--status-socket', socket, '--policy', 'to-b', '-o', 'json'], 20000);
    expect(res.stderr).toBe('');
    const reply = JSON.parse(res.stdout) as PolicyStatsReply;
    expect(reply.rules.map((r) => [r.rule, r.packets])).toEqual([
      [0, allow],
      [1, before.deny + 25],
    ]);
    expect(reply.flowLog.enabled).toBe(false);
  }, 60000);

  it('logs denials as JSON lines; a flood of 10,000 a second is rate-limited, bounded on disk, counted when dropped, and never stalls the agent', async () => {
    dp.setFelixConfiguration({
      apiVersion: 'projectcalico.org/v3',
      kind: 'FelixConfiguration',
      metadata: { name: 'default' },
      spec: { flowLogsFileEnabled: true, flowLogsFileDirectory: logDir, flowLogsFileMaxFileSizeMB: 1, flowLogsFileMaxFiles: 1, flowLogsDeniedRateLimit: 2000 },
    });
    await dp.apply();
    const file = path.join(logDir, 'flows-denied.log');
    // gingham policy flows --follow prints the denials as they are logged.
    const follow = spawn('node', [GINGHAM, 'policy', 'flows', '--follow', '--status-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follow.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    try {
      await send(5002, 3, 100, true);
      await waitFor(() => followed.split('\n').filter((l) => l.includes('"dstPort":5002')).length >= 3, 15000, 'policy flows --follow output');
    } finally {
      follow.kill('SIGINT');
    }
    const first = JSON.parse(followed.split('\n')[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({ action: 'deny', staged: false, tier: 'default', policy: 'x/to-b', rule: 1, direction: 'ingress', protocol: 'udp' });
    expect(first).toMatchObject({ srcIp: podA.ip, srcNamespace: 'x', srcPod: 'a', dstIp: podB.ip, dstPort: 5002, dstNamespace: 'x', dstPod: 'b' });

    // The flood: 30,000 denied datagrams at 10,000 a second, while this process (the agent) measures its event loop.
    const denied = await count('x/to-b', 1);
    const statsBefore = dp.flowLogStatus().stats;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const seconds = await send(5002, 30_000, 10_000, false);
    await new Promise((r) => setTimeout(r, 300));
    lag.disable();
    await dp.close();
    const stats = dp.flowLogStatus().stats;
    const logged = (stats?.logged ?? 0) - (statsBefore?.logged ?? 0);
    const dropped = (stats?.dropped ?? 0) - (statsBefore?.dropped ?? 0);
    process.stdout.write(`flood: ${seconds.toFixed(2)} s, logged ${logged}, dropped ${dropped}, overruns ${stats?.overruns}, event loop max ${(lag.max / 1e6).toFixed(1)} ms p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms\n`);
    // Every datagram was denied and counted; the kernel let at most its rate (plus the burst) through to the log.
    expect(await count('x/to-b', 1)).toBe(denied + 30_000);
    expect(logged + dropped).toBeGreaterThan(0);
    expect(logged + dropped).toBeLessThanOrEqual(2000 * (seconds + 1) + 1000);
    // The queue bound held: drops were counted rather than buffered.
    expect(dropped).toBeGreaterThan(0);
    // The event loop kept turning (a blocked agent would show seconds here).
    expect(lag.percentile(99) / 1e6).toBeLessThan(250);
    // The disk holds at most maxFileSize * (maxFiles + 1).
    const onDisk = fs.readdirSync(logDir).reduce((sum, f) => sum + fs.statSync(path.join(logDir, f)).size, 0);
    expect(onDisk).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\n').every((l) => (JSON.parse(l) as { action: string }).action === 'deny')).toBe(true);
  }, 90000);
});
