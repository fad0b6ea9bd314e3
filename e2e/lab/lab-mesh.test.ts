// `gingham lab up` with the tutorial's default topology (master1, node1, node2 on 10.0.0.0/24, full mesh, no
// encapsulation), against the real kernel and a real etcd inside the lab's namespaces: the route shapes of the
// tutorial on every node, every pod pings every other pod, `gingham node status` inside a node (no flags) shows the
// mesh Established, `lab status -o json`, and `lab down` leaves no namespace, process or file, and the host's own
// namespace is never touched. Needs `npm run build`.
import { existsSync } from 'node:fs';
import { ping } from '../cni/cni-lab';
import { alive } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, eventually, hostNetwork, type LabStatusJson } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

describeIf(ok)('gingham lab: three nodes, full mesh, no encapsulation', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  let hostBefore: string;
  let upOutput = '';

  beforeAll(() => {
    hostBefore = hostNetwork();
    lab = new TestLab('m');
    upOutput = lab.up([]).stdout;
    st = lab.status();
  }, 300_000);

  afterAll(() => {
    const pids = lab ? lab.status().nodes.map((n) => n.pid) : [];
    const r = lab?.down();
    expect(r?.status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
    expect(existsSync(lab.stateDir)).toBe(false);
    for (const pid of pids) expect(pid !== undefined && alive(pid)).toBe(false);
  }, 120_000);

  it('prints progress, node status and pod IPs while building', () => {
    expect(upOutput).toMatch(/lab: etcd on http:\/\/10\.0\.0\.1:2379/);
    expect(upOutput).toMatch(/lab: node master1 10\.0\.0\.12\/24/);
    expect(upOutput).toMatch(/Gingham process is running\./);
    for (const p of st.pods) expect(upOutput).toContain(`lab: pod ${p.name} on ${p.node}: ${p.ip}`);
  });

  it('has the tutorial topology: master1 10.0.0.12, node1 10.0.0.15, node2 10.0.0.16, two pods each, agents running', () => {
    expect(st.nodes.map((n) => [n.name, n.address, n.running])).toEqual([
      ['master1', '10.0.0.12/24', true],
      ['node1', '10.0.0.15/24', true],
      ['node2', '10.0.0.16/24', true],
    ]);
    expect(st.pods.map((p) => p.name)).toEqual(['master1-pod0', 'master1-pod1', 'node1-pod0', 'node1-pod1', 'node2-pod0', 'node2-pod1']);
    for (const p of st.pods) expect(p.ip).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(st.etcd.running).toBe(true);
  });

  it('adds nothing to the host network namespace', () => {
    expect(hostNetwork()).toBe(hostBefore);
  });

  it("programs the tutorial's route shapes on every node: blackhole for its block, /32 per pod, remote blocks via the node", async () => {
    const block = (ip: string): string => ip.split('.').slice(0, 3).join('.') + '.0/24';
    for (const n of st.nodes) {
      const mine = st.pods.filter((p) => p.node === n.name);
      const others = st.nodes.filter((o) => o.name !== n.name);
      const want = [
        `blackhole ${block(mine[0]!.ip!)} proto 81`,
        ...mine.map((p) => new RegExp(`^${p.ip!.replace(/\./g, '\\.')} dev cali[0-9a-f]{11} proto 81 scope link`)),
        ...others.map((o) => {
          const theirs = st.pods.find((p) => p.node === o.name)!;
          return `${block(theirs.ip!)} via ${o.address.split('/')[0]} dev eth0 proto 81`;
        }),
      ];
      const done = await eventually(() => {
        const routes = lab.routes(n.name);
        return want.every((w) => routes.some((r) => (typeof w === 'string' ? r === w : w.test(r))));
      }, 20_000);
      if (!done) throw new Error(`${n.name} routes:\n${lab.routes(n.name).join('\n')}\nwanted:\n${want.join('\n')}`);
    }
  }, 60_000);

  it('every pod pings every other pod', () => {
    const failures: string[] = [];
    for (const a of st.pods) {
      for (const b of st.pods) {
        if (a === b) continue;
        const r = ping(a.namespace, b.ip!);
        if (!r.ok) failures.push(`${a.name} -> ${b.name} (${b.ip}): ${r.text}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('gingham node status inside a node (no flags) shows the node-to-node mesh Established', () => {
    for (const n of st.nodes) {
      const r = lab.exec(n.name, ['gingham', 'node', 'status']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Gingham process is running.');
      for (const o of st.nodes.filter((x) => x !== n)) {
        expect(r.stdout).toMatch(new RegExp(`\\| ${o.address.split('/')[0]!.replace(/\./g, '\\.')} +\\| node-to-node mesh \\| up +\\| [0-9:]+ +\\| Established +\\|`));
      }
    }
  });

  it('gingham get inside a node reads the lab datastore with no flags', () => {
    const r = lab.exec('node1', ['gingham', 'get', 'nodes']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(1).filter((l) => l !== '').sort()).toEqual(['master1', 'node1', 'node2']);
  });

  it('names a bad target and a lab that is not up in one line', () => {
    const bad = lab.exec('nosuch', ['true']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^lab exec: "nosuch" is not a lab node or pod/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const again = lab.run(['lab', 'up']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/lab up: a lab is already here/);
  });
});
