// `gingham lab up --encap vxlan --subnets 2`: master1 and node2 on 10.0.0.0/24, node1 on 10.0.1.0/24 behind the lab's
// router. With vxlanMode Always every remote block goes through vxlan.calico and pods ping across subnets in UDP
// 4789 (seen by tcpdump on the node's link). Then `gingham lab apply` of the pool with vxlanMode CrossSubnet
// reprograms the routes live (same subnet direct via the node, the other subnet still through the tunnel) with the
// same agent processes, and the captures show ICMP direct within the subnet and VXLAN across. Needs `npm run build`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ping } from '../cni/cni-lab';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, captureWhile, eventually, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl', 'tcpdump'], { root: true });

const poolYaml = (vxlanMode: string): string => `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 10.244.0.0/16
  blockSize: 24
  ipipMode: Never
  vxlanMode: ${vxlanMode}
  natOutgoing: true
  nodeSelector: all()
`;

describeIf(ok)('gingham lab: VXLAN across two subnets, then CrossSubnet live', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  let work: string;
  const pod = (name: string): { namespace: string; ip: string } => {
    const p = st.pods.find((x) => x.name === name)!;
    return { namespace: p.namespace, ip: p.ip! };
  };
  const blockOf = (node: string): string => pod(`${node}-pod0`).ip.split('.').slice(0, 3).join('.') + '.0/24';
  const routeTo = (node: string, block: string): string => lab.routes(node).find((r) => r.startsWith(`${block} `)) ?? '(none)';

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-labvx-'));
    lab = new TestLab('v');
    lab.up(['--encap', 'vxlan', '--subnets', '2', '--pods-per-node', '1']);
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    const r = lab?.down();
    expect(r?.status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('puts node1 on the second subnet', () => {
    expect(st.nodes.map((n) => [n.name, n.address])).toEqual([
      ['master1', '10.0.0.12/24'],
      ['node1', '10.0.1.15/24'],
      ['node2', '10.0.0.16/24'],
    ]);
  });

  it('VXLAN Always: remote blocks via vxlan.calico onlink; pods ping across subnets in UDP 4789 on the node link', async () => {
    const done = await eventually(() => st.nodes.every((n) => st.nodes.filter((o) => o !== n).every((o) => / dev vxlan\.calico proto 81 onlink$/.test(routeTo(n.name, blockOf(o.name))))), 20_000);
    if (!done) throw new Error(st.nodes.map((n) => `${n.name}:\n${lab.routes(n.name).join('\n')}`).join('\n'));
    const failures: string[] = [];
    for (const a of st.pods) for (const b of st.pods) if (a !== b && !ping(a.namespace, b.ip!).ok) failures.push(`${a.name} -> ${b.name}`);
    expect(failures).toEqual([]);
    const a = pod('master1-pod0');
    const b = pod('node1-pod0');
    const seen = await captureWhile(lab.namespace('master1'), 'eth0', 'udp port 4789', 2, () => {
      expect(ping(a.namespace, b.ip).ok).toBe(true);
    });
    expect(seen).toMatch(/IP 10\.0\.0\.12\.\d+ > 10\.0\.1\.15\.4789: VXLAN, flags \[I\] \(0x08\), vni 4096/);
  }, 120_000);

  it('CrossSubnet through gingham lab apply: same subnet direct, other subnet through the tunnel, nothing restarted', async () => {
    const pidsBefore = st.nodes.map((n) => n.pid);
    const file = path.join(work, 'pool.yaml');
    writeFileSync(file, poolYaml('CrossSubnet'));
    const r = lab.run(['lab', 'apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain("Successfully applied 1 'IPPool' resource(s)");
    expect(r.status).toBe(0);
    const want = (): boolean =>
      routeTo('master1', blockOf('node2')) === `${blockOf('node2')} via 10.0.0.16 dev eth0 proto 81` &&
      routeTo('node2', blockOf('master1')) === `${blockOf('master1')} via 10.0.0.12 dev eth0 proto 81` &&
      routeTo('master1', blockOf('node1')) === `${blockOf('node1')} via ${blockOf('node1').replace('.0/24', '.0')} dev vxlan.calico proto 81 onlink` &&
      routeTo('node1', blockOf('node2')).endsWith('dev vxlan.calico proto 81 onlink');
    const done = await eventually(want, 20_000);
    if (!done) throw new Error(st.nodes.map((n) => `${n.name}:\n${lab.routes(n.name).join('\n')}`).join('\n'));
    const after = lab.status();
    expect(after.nodes.map((n) => [n.pid, n.running])).toEqual(pidsBefore.map((p) => [p, true]));

    const m = pod('master1-pod0');
    const same = pod('node2-pod0');
    const cross = pod('node1-pod0');
    const direct = await captureWhile(lab.namespace('master1'), 'eth0', `icmp and host ${same.ip}`, 2, () => {
      expect(ping(m.namespace, same.ip).ok).toBe(true);
    });
    expect(direct).toMatch(new RegExp(`IP ${m.ip.replace(/\./g, '\\.')} > ${same.ip.replace(/\./g, '\\.')}: ICMP echo request`));
    const tunnelled = await captureWhile(lab.namespace('master1'), 'eth0', 'udp port 4789', 2, () => {
      expect(ping(m.namespace, cross.ip).ok).toBe(true);
    });
    expect(tunnelled).toMatch(/IP 10\.0\.0\.12\.\d+ > 10\.0\.1\.15\.4789: VXLAN/);
  }, 120_000);

  it('back to Always: the same-subnet route returns to the tunnel, live', async () => {
    const file = path.join(work, 'pool-always.yaml');
    writeFileSync(file, poolYaml('Always'));
    expect(lab.run(['lab', 'apply', '-f', file]).status).toBe(0);
    const done = await eventually(() => routeTo('master1', blockOf('node2')).endsWith('dev vxlan.calico proto 81 onlink'), 20_000);
    if (!done) throw new Error(lab.routes('master1').join('\n'));
    expect(ping(pod('master1-pod0').namespace, pod('node2-pod0').ip).ok).toBe(true);
  }, 60_000);
});
