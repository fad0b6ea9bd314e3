// Automatic route reflectors in the lab (issue 14's acceptance): five nodes, `gingham controllers run` in the lab
// (ENABLED_CONTROLLERS=routereflector, two reflectors) chooses master1 and node1 (name order), labels them, gives them
// the cluster ID, writes the BGPPeer and turns the mesh off; real BGP sessions go to the two reflectors only. Then
// node1 goes away (its agent stopped, its Calico Node deleted): the controllers choose node2, every remaining node
// peers with master1 and node2, and the remaining pods still reach each other. Needs `npm run build`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ping } from '../cni/cni-lab';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, eventually, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

const established = (addr: string): RegExp => new RegExp(`\\| ${addr.replace(/\./g, '\\.')} +\\| node specific +\\| up +\\| [0-9:]+ +\\| Established +\\|`);

describeIf(ok)('gingham lab: automatic route reflectors chosen and replaced by the controllers', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  let tmp: string;
  const nodeStatus = (n: string): string => lab.exec(n, ['gingham', 'node', 'status']).stdout;
  const addressOf = (n: string): string => st.nodes.find((x) => x.name === n)!.address.split('/')[0]!;
  const reflectors = (): string[] => {
    const r = lab.exec('master1', ['gingham', 'get', 'nodes', '-o', 'json']);
    const items = (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; labels?: Record<string, string> }; spec?: { bgp?: { routeReflectorClusterID?: string } } }> }).items;
    return items.filter((n) => n.metadata.labels?.['route-reflector'] === 'true' && n.spec?.bgp?.routeReflectorClusterID === '244.0.0.1').map((n) => n.metadata.name).sort();
  };
  /** A reflector has Established sessions with every other listed node, a client with the reflectors only; no mesh rows. */
  const peersOnlyWith = (nodes: readonly string[], rrs: readonly string[]): boolean =>
    nodes.every((n) => {
      const s = nodeStatus(n);
      const want = (rrs.includes(n) ? nodes.filter((x) => x !== n) : rrs).map(addressOf);
      return !s.includes('node-to-node mesh') && want.every((a) => established(a).test(s)) && (s.match(/\| 10\.0\.0\.\d+ /g) ?? []).length === want.length;
    });
  const pingFailures = (pods: LabStatusJson['pods']): string[] => {
    const failures: string[] = [];
    for (const a of pods) for (const b of pods) if (a !== b && !ping(a.namespace, b.ip!).ok) failures.push(`${a.name} -> ${b.name}`);
    return failures;
  };

  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-auto-rr-'));
    lab = new TestLab('a');
    lab.up(['--nodes', '5', '--pods-per-node', '1', '--auto-route-reflectors', '2']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    const r = lab?.down();
    expect(r?.status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
  }, 120_000);

  it('chooses two reflectors; every node peers with them only (mesh off) over real sessions; pods reach each other', async () => {
    expect(reflectors()).toEqual(['master1', 'node1']);
    const names = st.nodes.map((n) => n.name);
    const done = await eventually(() => peersOnlyWith(names, ['master1', 'node1']), 45_000, 1000);
    if (!done) throw new Error(names.map((n) => `${n}:\n${nodeStatus(n)}`).join('\n'));
    expect(pingFailures(st.pods)).toEqual([]);
  }, 90_000);

  it('a reflector node removed: a new one is chosen, sessions follow, the remaining pods still reach each other', async () => {
    const stop = lab.run(['lab', 'stop', 'node1']);
    expect(stop.status).toBe(0);
    const file = path.join(tmp, 'node1.yaml');
    writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: node1\n');
    const del = lab.run(['lab', 'delete', '-f', file]);
    if (del.status !== 0) throw new Error(`lab delete node1: ${del.stdout}${del.stderr}`);

    const chosen = await eventually(() => reflectors().join(',') === 'master1,node2', 30_000, 1000);
    expect(reflectors()).toEqual(chosen ? ['master1', 'node2'] : ['(not replaced in 30 s)']);
    const rest = st.nodes.map((n) => n.name).filter((n) => n !== 'node1');
    const done = await eventually(() => peersOnlyWith(rest, ['master1', 'node2']), 45_000, 1000);
    if (!done) throw new Error(rest.map((n) => `${n}:\n${nodeStatus(n)}`).join('\n'));
    const pods = st.pods.filter((p) => p.node !== 'node1');
    const reach = await eventually(() => pingFailures(pods).length === 0, 20_000, 1000);
    expect(reach ? [] : pingFailures(pods)).toEqual([]);
  }, 150_000);
});
