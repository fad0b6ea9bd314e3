// The tutorial's route-reflector steps (the Calico tutorial) in `gingham lab`, with its YAML verbatim (the copies in
// src/api/testdata/tutorial/01..03) applied by `gingham lab apply`: master1 labelled route-reflector with a cluster
// ID, a BGPPeer from every node to it, then the mesh turned off (and the AS changed) in the default
// BGPConfiguration. `gingham node status` inside the nodes shows `node specific` peers to the reflector, the
// `node-to-node mesh` rows go once the mesh is disabled, the reflected routes keep their next hops and every pod
// still reaches every other. Needs `npm run build`.
import path from 'node:path';
import { ping } from '../cni/cni-lab';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, eventually, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });
const TUTORIAL = path.join(__dirname, '..', '..', 'src', 'api', 'testdata', 'tutorial');

const row = (addr: string, type: string): RegExp => new RegExp(`\\| ${addr.replace(/\./g, '\\.')} +\\| ${type} +\\| up +\\| [0-9:]+ +\\| Established +\\|`);

describeIf(ok)('gingham lab: the tutorial route reflector, YAML verbatim', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  const nodeStatus = (n: string): string => lab.exec(n, ['gingham', 'node', 'status']).stdout;
  const apply = (file: string): void => {
    const r = lab.run(['lab', 'apply', '-f', path.join(TUTORIAL, file)]);
    if (r.status !== 0) throw new Error(`lab apply ${file}: ${r.stdout}${r.stderr}`);
    expect(r.stdout).toMatch(/^Successfully applied 1 '\w+' resource\(s\)/);
  };
  const allPing = (): string[] => {
    const failures: string[] = [];
    for (const a of st.pods) for (const b of st.pods) if (a !== b && !ping(a.namespace, b.ip!).ok) failures.push(`${a.name} -> ${b.name}`);
    return failures;
  };

  beforeAll(() => {
    lab = new TestLab('r');
    lab.up(['--pods-per-node', '1']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    const r = lab?.down();
    expect(r?.status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
  }, 120_000);

  it('starts as a full mesh', () => {
    expect(nodeStatus('node1')).toMatch(row('10.0.0.12', 'node-to-node mesh'));
    expect(nodeStatus('node1')).toMatch(row('10.0.0.16', 'node-to-node mesh'));
  });

  it('01 + 02: every node peers `node specific` with the reflector master1', async () => {
    apply('01-calico-reflector-master.yaml');
    apply('02-calico-reflector-bgppeer.yaml');
    const done = await eventually(() => row('10.0.0.12', 'node specific').test(nodeStatus('node1')) && row('10.0.0.12', 'node specific').test(nodeStatus('node2')), 30_000, 1000);
    if (!done) throw new Error(`node1:\n${nodeStatus('node1')}\nnode2:\n${nodeStatus('node2')}`);
    const m = nodeStatus('master1');
    expect(m).toMatch(row('10.0.0.15', 'node specific'));
    expect(m).toMatch(row('10.0.0.16', 'node specific'));
  }, 60_000);

  it('03: with the mesh disabled the node-to-node mesh rows disappear; pods still reach each other via the reflector', async () => {
    apply('03-calico-reflector-defaultconfig.yaml');
    const done = await eventually(
      () =>
        st.nodes.every((n) => {
          const s = nodeStatus(n.name);
          return !s.includes('node-to-node mesh') && (n.name === 'master1' ? row('10.0.0.15', 'node specific').test(s) && row('10.0.0.16', 'node specific').test(s) : row('10.0.0.12', 'node specific').test(s));
        }),
      45_000,
      1000,
    );
    if (!done) throw new Error(st.nodes.map((n) => `${n.name}:\n${nodeStatus(n.name)}`).join('\n'));
    expect(nodeStatus('node1').match(/\| 10\.0\.0\.\d+ /g)).toEqual(['| 10.0.0.12 ']);
    // node2's block reaches node1 through the reflector with node2's own address as next hop.
    const node2Block = st.pods.find((p) => p.node === 'node2')!.ip!.split('.').slice(0, 3).join('.') + '.0/24';
    const routed = await eventually(() => lab.routes('node1').includes(`${node2Block} via 10.0.0.16 dev eth0 proto 81`), 20_000);
    if (!routed) throw new Error(lab.routes('node1').join('\n'));
    expect(allPing()).toEqual([]);
  }, 120_000);
});
