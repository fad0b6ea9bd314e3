// `gingham lab up --encap ipip`. This machine's kernel has no ipip module: the lab must come up anyway, say so
// clearly (progress line and `lab status` warning), and the agents keep running (they log the missing module once
// and leave the tunl0 routes out). Where the kernel has ipip, pods on different nodes ping through tunl0 instead;
// the test that does not apply to this kernel is skipped with the reason printed. (The agent's tunl0 link and route
// requests are checked against the netlink fake in src/felix and src/node unit tests.) Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { ping } from '../cni/cni-lab';
import { describeIf, kernelFeature, requireTools } from '../lib/tools';
import { TestLab, eventually, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

/** Can this kernel create an ipip device? Probed in a namespace of our own. */
function probeIpip(): { ok: boolean; reason: string } {
  const ns = `glprobe${process.pid % 10000}`;
  spawnSync('ip', ['netns', 'add', ns], { timeout: 10_000 });
  try {
    const r = spawnSync('ip', ['-n', ns, 'link', 'add', 't0', 'type', 'ipip'], { encoding: 'utf8', timeout: 10_000 });
    return { ok: r.status === 0, reason: (r.stderr ?? '').trim() };
  } finally {
    spawnSync('ip', ['netns', 'delete', ns], { timeout: 10_000 });
  }
}

const ipip = ok ? probeIpip() : { ok: false, reason: '' };
const withIpip = kernelFeature('lab ipip pod-to-pod', 'the ipip module', ipip.ok, `"ip link add type ipip" says: ${ipip.reason}; tunl0 cannot exist, so the lab's IPIP datapath cannot be pinged here`);

describeIf(ok)('gingham lab --encap ipip', () => {
  let lab: TestLab;
  let upOut = '';
  let st: LabStatusJson;

  beforeAll(() => {
    lab = new TestLab('i');
    upOut = lab.up(['--encap', 'ipip', '--nodes', '2', '--pods-per-node', '1']).stdout;
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    const r = lab?.down();
    expect(r?.status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
  }, 120_000);

  (withIpip ? it.skip : it)('without the ipip module: reports it clearly, the agents keep running and peering, no tunl0 route', async () => {
    expect(upOut).toMatch(/lab: IPIP: this kernel has no ipip module, so tunl0 cannot be created\. .*use --encap vxlan/);
    expect(st.warnings.some((w) => w.startsWith('IPIP: this kernel has no ipip module'))).toBe(true);
    expect(lab.run(['lab', 'status']).stdout).toMatch(/warning: IPIP: this kernel has no ipip module/);
    expect(st.nodes.every((n) => n.running)).toBe(true);
    const established = await eventually(() => /\| 10\.0\.0\.15 +\| node-to-node mesh \| up /.test(lab.exec('master1', ['gingham', 'node', 'status']).stdout), 20_000, 1000);
    expect(established).toBe(true);
    for (const n of st.nodes) {
      expect(lab.routes(n.name).some((r) => r.includes('tunl0'))).toBe(false);
      // The local pods are still routed.
      for (const p of st.pods.filter((x) => x.node === n.name)) expect(lab.routes(n.name).some((r) => r.startsWith(`${p.ip} dev cali`))).toBe(true);
    }
    expect(lab.status().nodes.every((n) => n.running)).toBe(true);
  }, 60_000);

  (withIpip ? it : it.skip)('with the ipip module: pods on different nodes ping through tunl0', async () => {
    const a = st.pods.find((p) => p.node === 'master1')!;
    const b = st.pods.find((p) => p.node === 'node1')!;
    const routed = await eventually(() => lab.routes('master1').some((r) => r.includes('dev tunl0')), 20_000);
    expect(routed).toBe(true);
    expect(ping(a.namespace, b.ip!).ok).toBe(true);
  }, 60_000);
});
