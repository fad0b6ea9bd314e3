import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labDown } from './lab-down';
import { labPaths, recordPid, writeState, type LabState } from './lab-state';
import { execTarget, LabTargetError, labStatus } from './lab-status';
import type { LabSys, RunResult } from './lab-sys';
import { labTopology } from './lab-topology';
import { upConflict } from './lab-up';

/** A LabSys that records commands and answers `ip netns list` / `ip netns pids` from a table; nothing real runs. */
function fakeSys(namespaces: string[], pidsIn: Record<string, number[]>, live: Set<number>): LabSys & { calls: string[] } {
  const calls: string[] = [];
  const ok = (stdout = ''): RunResult => ({ status: 0, stdout, stderr: '' });
  return {
    calls,
    run(cmd, args) {
      calls.push([cmd, ...args].join(' '));
      if (args[0] === 'netns' && args[1] === 'list') return ok(namespaces.map((n) => `${n} (id: 1)`).join('\n'));
      if (args[0] === 'netns' && args[1] === 'pids') return ok((pidsIn[args[2]!] ?? []).join('\n'));
      if (args[0] === 'netns' && args[1] === 'delete') namespaces.splice(namespaces.indexOf(args[2]!), 1);
      return ok();
    },
    spawnDetached: () => {
      throw new Error('not in this test');
    },
    alive: (pid) => live.has(pid),
    kill: (pid) => {
      calls.push(`kill ${pid}`);
      live.delete(pid);
    },
    sleep: async () => undefined,
  };
}

describe('lab status, exec targets and down', () => {
  let dir: string;
  const t = labTopology({ nodes: 2, podsPerNode: 1, encap: 'none', subnets: 1, prefix: 'gx-' });
  const state = (d: string): LabState => ({ prefix: 'gx-', stateDir: d, encap: 'none', topology: t, etcdPid: 111, agentPids: { master1: 222, node1: 333 }, pods: [{ name: 'master1-pod0', node: 'master1', namespace: 'gx-master1-pod0', ip: '10.244.39.0' }], warnings: [] });

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'gingham-lab-unit-')), 'lab');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('reports nodes, pods and which daemons run', () => {
    writeState(labPaths(dir), state(dir));
    const s = labStatus(dir, fakeSys([], {}, new Set([111, 222])));
    expect(s.etcd).toEqual({ endpoint: 'http://10.0.0.1:2379', namespace: 'gx-lan', pid: 111, running: true, stopped: false });
    expect(s.nodes.map((n) => [n.name, n.address, n.running])).toEqual([
      ['master1', '10.0.0.12/24', true],
      ['node1', '10.0.0.15/24', false],
    ]);
    expect(s.pods).toEqual([{ name: 'master1-pod0', node: 'master1', namespace: 'gx-master1-pod0', k8sNamespace: 'default', ip: '10.244.39.0' }]);
  });

  it("gives a node's commands its status socket and the lab datastore, a pod its namespace, and names a bad target", () => {
    const s = state(dir);
    const n = execTarget(s, dir, 'node1', { PATH: '/usr/bin' });
    expect(n.namespace).toBe('gx-node1');
    expect(n.env).toMatchObject({ GINGHAM_NODE_SOCKET: path.join(dir, 'nodes', 'node1', 'node.sock'), DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://10.0.0.1:2379', PATH: `${path.join(dir, 'bin')}:/usr/bin` });
    expect(execTarget(s, dir, 'master1-pod0', {}).namespace).toBe('gx-master1-pod0');
    expect(() => execTarget(s, dir, 'nope', {})).toThrow(LabTargetError);
    expect(() => execTarget(s, dir, 'nope', {})).toThrow(/"nope" is not a lab node or pod \(nodes: master1, node1; pods: master1-pod0; or lan\)/);
  });

  it('down after a crashed up (state.json written first) finds its namespaces and their processes, and removes the directory', async () => {
    writeState(labPaths(dir), { ...state(dir), etcdPid: undefined, agentPids: {}, pods: [] });
    recordPid(labPaths(dir), 'etcd', 999999); // a recorded PID whose command line does not name the lab: left alone
    const namespaces = ['gx-lan', 'gx-master1', 'other-ns'];
    const sys = fakeSys(namespaces, { 'gx-lan': [4242], 'gx-master1': [4343] }, new Set([4242, 4343, 999999]));
    const r = await labDown(dir, sys);
    expect([...r.stopped].sort()).toEqual([4242, 4343]);
    expect(sys.calls).toContain('kill 4242');
    expect(sys.calls).not.toContain('kill 999999');
    expect(namespaces).toEqual(['other-ns']);
    expect(r.removedDir).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it("down removes exactly its own lab's namespaces and processes, never another lab's whose prefix extends its own", async () => {
    const nw = labTopology({ nodes: 2, podsPerNode: 1, encap: 'none', subnets: 1, prefix: 'nw-' });
    writeState(labPaths(dir), { prefix: 'nw-', stateDir: dir, encap: 'none', topology: nw, agentPids: {}, pods: [], warnings: [] });
    const other = ['nw-b-lan', 'nw-b-master1', 'nw-b-node1', 'nw-b-master1-pod0'];
    const namespaces = ['nw-lan', 'nw-master1', 'nw-node1', 'nw-master1-pod0', 'nw-node1-pod0', ...other];
    const sys = fakeSys(namespaces, { 'nw-b-lan': [5151], 'nw-b-master1': [5252], 'nw-lan': [6161] }, new Set([5151, 5252, 6161]));
    const r = await labDown(dir, sys);
    expect(r.stopped).toEqual([6161]);
    expect(sys.calls).not.toContain('kill 5151');
    expect(namespaces).toEqual(other);
    expect(sys.calls.filter((c) => c.startsWith('ip netns pids')).map((c) => c.split(' ')[3])).not.toContain('nw-b-lan');
  });

  it("up's conflict check names exactly its own namespaces (not another lab's with a longer prefix) and its state file", () => {
    const nw = labTopology({ nodes: 2, podsPerNode: 1, encap: 'none', subnets: 1, prefix: 'nw-' });
    expect(upConflict(labPaths(dir), nw, fakeSys(['nw-b-lan', 'nw-b-master1'], {}, new Set()))).toBeUndefined();
    expect(upConflict(labPaths(dir), nw, fakeSys(['nw-b-lan', 'nw-node1'], {}, new Set()))).toBe('namespaces nw-node1');
    writeState(labPaths(dir), state(dir));
    expect(upConflict(labPaths(dir), nw, fakeSys([], {}, new Set()))).toBe(path.join(dir, 'state.json'));
  });

  it('down leaves a directory that is not a lab alone', async () => {
    writeFileSync(path.join(dir, 'precious'), 'x');
    const r = await labDown(dir, fakeSys([], {}, new Set()));
    expect(r.removedDir).toBe(false);
    expect(existsSync(path.join(dir, 'precious'))).toBe(true);
  });
});
