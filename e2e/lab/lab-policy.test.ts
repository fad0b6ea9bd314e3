// Issue 12: the node agent enforcing Calico policy for real. `gingham lab up` (etcd mode, three nodes, one pod each,
// pods created by the CNI plugin), the agents enforcing policy as they do by default; resources applied with
// `gingham apply` against the lab's etcd; ICMP probes between pods on different nodes.
//   1. kns.default (the namespace's profile, which the lab writes as kube-controllers would) allows everything;
//   2. a NetworkPolicy (order 1000) denies node2's pod into every pod of `default`: node2 -> node1 blocked, master1 ->
//      node1 still open;
//   3. a GlobalNetworkPolicy with order 10 allowing node2's pod comes first: open again; its order changed to 2000
//      puts it after the NetworkPolicy: blocked again (a change of policy enforced);
//   4. node1's agent restarts under that denying policy while node2's pod pings node1's ten times a second: no reply
//      passes at any moment (the table stays as it was until the new agent's first full sync);
//   5. a StagedGlobalNetworkPolicy denying node2's pod changes no probe, and node1 shows its would-be denials in
//      `gingham policy stats` and in its denied-flow log, marked staged.
// Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ping } from '../cni/cni-lab';
import { describeIf, requireTools } from '../lib/tools';
import type { PolicyStatsReply } from '../../src/api/wire/policy-stats';
import { GINGHAM, TestLab, eventually, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab policy', ['ip', 'etcd', 'etcdctl', 'python3', 'ping', 'nft'], { root: true });

describeIf(ok)('gingham lab: the node agent enforces Calico policy with nftables', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  let gnp: (order: number) => string = () => '';
  const dir = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-policy-'));

  beforeAll(() => {
    lab = new TestLab('p');
    lab.up(['--pods-per-node', '1']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  const pod = (node: string): { ns: string; ip: string } => {
    const p = st.pods.find((x) => x.node === node);
    if (!p?.ip) throw new Error(`no pod on ${node}`);
    return { ns: lab.namespace(p.name), ip: p.ip };
  };

  /** `gingham apply -f` inside the lab's LAN namespace, against its etcd. */
  const apply = (name: string, yaml: string): void => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    const r = spawnSync('ip', ['netns', 'exec', lab.namespace('lan'), process.execPath, GINGHAM, 'apply', '-f', file], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://10.0.0.1:2379' },
    });
    if (r.status !== 0) throw new Error(`gingham apply ${name}: ${r.stdout}${r.stderr}`);
  };

  /** Waits (bounded) until the probe from `from` to `to` gives `want`; returns the last outcome. */
  const reaches = async (from: string, to: string, want: boolean): Promise<boolean> => {
    let last = !want;
    await eventually(() => (last = ping(pod(from).ns, pod(to).ip).ok) === want, 20_000, 300);
    return last;
  };

  it('programs an ip gingham table on every node', async () => {
    for (const n of st.nodes) {
      const done = await eventually(() => spawnSync('ip', ['netns', 'exec', n.namespace, 'nft', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8' }).status === 0, 20_000);
      expect(done).toBe(true);
    }
  }, 60_000);

  it("kns.default (the lab writes every namespace's profiles at up, as kube-controllers would) allows everything: pods reach pods", async () => {
    const profiles = lab.exec('master1', ['gingham', 'get', 'profiles', '-o', 'name']);
    expect(profiles.status).toBe(0);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(profiles.stdout.split('\n')).toEqual(expect.arrayContaining([`profile/kns.${ns}`, `profile/ksa.${ns}.default`]));
    expect(await reaches('master1', 'node1', true)).toBe(true);
    expect(await reaches('node2', 'node1', true)).toBe(true);
  }, 60_000);

  it('a NetworkPolicy denies one source; a GlobalNetworkPolicy ordered before it allows it; reordered after it, denied again', async () => {
    const node2 = pod('node2').ip;
    apply(
      'np',
      `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-node2
  namespace: default
spec:
  order: 1000
  selector: all()
  types:
  - Ingress
  ingress:
  - action: Deny
    source:
      nets:
      - ${node2}/32
  - action: Allow
`,
    );
    expect(await reaches('node2', 'node1', false)).toBe(false);
    expect(await reaches('master1', 'node1', true)).toBe(true);
    gnp = (order: number): string => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-node2
spec:
  order: ${order}
  selector: all()
  types:
  - Ingress
  ingress:
  - action: Allow
    source:
      nets:
      - ${node2}/32
`;
    apply('gnp10', gnp(10));
    expect(await reaches('node2', 'node1', true)).toBe(true);
    apply('gnp2000', gnp(2000));
    expect(await reaches('node2', 'node1', false)).toBe(false);
    expect(await reaches('master1', 'node1', true)).toBe(true);
    // node1's agent counted the denied pings under rule 0 of the policy (`gingham policy stats`, its status API).
    const stats = lab.exec('node1', ['gingham', 'policy', 'stats', '--policy', 'deny-node2', '-o', 'json']);
    expect({ status: stats.status, stderr: stats.stderr }).toEqual({ status: 0, stderr: '' });
    const denied = (JSON.parse(stats.stdout) as PolicyStatsReply).rules.find((r) => r.rule === 0 && r.direction === 'ingress');
    expect(denied?.packets).toBeGreaterThan(0);
  }, 120_000);

  it('restarting node1 agent under the denying policy lets no denied packet through', async () => {
    const pinger = spawn('ip', ['netns', 'exec', pod('node2').ns, 'ping', '-i', '0.1', '-c', '120', '-W', '1', pod('node1').ip], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pinger.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => pinger.on('close', () => resolve()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const restart = lab.run(['lab', 'restart', 'node1'], 90_000);
      expect(restart.status).toBe(0);
      expect(restart.stdout).toMatch(/running again \(pid \d+\)/);
      await done;
    } finally {
      if (pinger.exitCode === null) pinger.kill('SIGKILL');
    }
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(50);
    expect(Number(m![2])).toBe(0);
    // The restarted agent enforces the same rules: still denied, the allowed source still allowed.
    expect(await reaches('node2', 'node1', false)).toBe(false);
    expect(await reaches('master1', 'node1', true)).toBe(true);
    // And the new agent programs changes (the table is its own now, not only the one it adopted).
    apply('gnp10-again', gnp(10));
    expect(await reaches('node2', 'node1', true)).toBe(true);
  }, 180_000);

  it("a staged deny changes no probe; node1's policy stats and denied-flow log show it as staged", async () => {
    const logDir = path.join(dir, 'flows-node1');
    apply('flowlog-node1', `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: node.node1\nspec:\n  flowLogsFileEnabled: true\n  flowLogsFileDirectory: ${logDir}\n`);
    // Through `gingham lab apply -f`, which hands Calico kinds to `gingham apply`.
    const stagedFile = path.join(dir, 'staged.yaml');
    writeFileSync(
      stagedFile,
      `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: staged-deny-node2
spec:
  order: 5
  selector: all()
  types:
  - Ingress
  ingress:
  - action: Deny
    source:
      nets:
      - ${pod('node2').ip}/32
`,
    );
    const applied = lab.run(['lab', 'apply', '-f', stagedFile]);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    type Stat = { policy: string; rule: number | string; staged?: boolean; packets: number };
    const stagedDenials = (): number => {
      const r = lab.exec('node1', ['gingham', 'policy', 'stats', '--policy', 'staged-deny-node2', '-o', 'json']);
      if (r.status !== 0) return -1;
      const rules = (JSON.parse(r.stdout) as { rules: Stat[] }).rules;
      return rules.find((x) => x.staged === true && x.rule === 0)?.packets ?? 0;
    };
    // Each probe is a new ICMP flow: once the staged policy is programmed, every one counts.
    const counted = await eventually(() => ping(pod('node2').ns, pod('node1').ip).ok && stagedDenials() > 0, 30_000, 500);
    expect(counted).toBe(true);
    const before = stagedDenials();
    expect(ping(pod('node2').ns, pod('node1').ip).ok).toBe(true);
    expect(stagedDenials()).toBe(before + 1);
    expect(await reaches('master1', 'node1', true)).toBe(true);
    const logged = await eventually(() => {
      const r = spawnSync('cat', [path.join(logDir, 'flows-denied.log')], { encoding: 'utf8' });
      const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines.some((l) => l.staged === true && l.policy === 'staged-deny-node2' && l.srcIp === pod('node2').ip && l.dstIp === pod('node1').ip);
    }, 10_000);
    expect(logged).toBe(true);
  }, 90_000);
});
