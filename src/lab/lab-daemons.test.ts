import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labRestartNode, labStart, labStop, LabUpError, startControllers, type AgentHealth, type LabDaemonDeps } from './lab-daemons';
import { labPaths, readState, writeState, type LabState } from './lab-state';
import { labStatus } from './lab-status';
import type { LabSys } from './lab-sys';
import { labTopology } from './lab-topology';

/** Daemons as PIDs in a set; sleep yields to other tasks so concurrent commands interleave as separate processes would. */
function fakeDaemons(live: Set<number>): LabSys & { started: string[] } {
  let next = 1000;
  const started: string[] = [];
  return {
    started,
    run: () => ({ status: 0, stdout: '', stderr: '' }),
    spawnDetached: (_cmd, args) => {
      started.push(args.slice(2).join(' '));
      const pid = next++;
      live.add(pid);
      return pid;
    },
    alive: (pid) => live.has(pid),
    kill: (pid) => live.delete(pid),
    sleep: () => new Promise((r) => setTimeout(r, 1)),
  };
}

describe('lab restart, stop and start', () => {
  let dir: string;
  const t = labTopology({ nodes: 3, podsPerNode: 0, encap: 'none', subnets: 1, prefix: 'gd-' });
  const state = (d: string): LabState => ({ prefix: 'gd-', stateDir: d, encap: 'none', topology: t, etcdPid: 11, agentPids: { master1: 21, node1: 22, node2: 23 }, pods: [], warnings: [] });
  const healthyAfter = (looks: number): AgentHealth => {
    const seen = new Map<number, number>();
    return async (sys, _p, _n, pid) => {
      seen.set(pid, (seen.get(pid) ?? 0) + 1);
      await sys.sleep(1);
      return seen.get(pid)! >= looks;
    };
  };

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'gingham-lab-daemons-')), 'lab');
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    writeState(labPaths(dir), state(dir));
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('concurrent restarts of every node keep every new PID in state.json (no lost update)', async () => {
    const live = new Set([11, 21, 22, 23]);
    const sys = fakeDaemons(live);
    const deps: LabDaemonDeps = { sys, self: { node: 'node', gingham: 'g', cniPlugin: '', cniIpam: '', podServer: '' }, progress: () => undefined, healthy: healthyAfter(3) };
    const pids = await Promise.all(['master1', 'node1', 'node2'].map((n) => labRestartNode(dir, n, deps)));
    expect(new Set(pids).size).toBe(3);
    const s = readState(labPaths(dir));
    expect(s.agentPids).toEqual({ master1: pids[0], node1: pids[1], node2: pids[2] });
    expect([21, 22, 23].some((p) => live.has(p))).toBe(false);
    // The next restart stops exactly the recorded agent: no duplicate keeps running.
    await labRestartNode(dir, 'node1', deps);
    expect(live.has(pids[1]!)).toBe(false);
    expect([...live].sort()).toEqual([11, readState(labPaths(dir)).agentPids.master1, readState(labPaths(dir)).agentPids.node1, readState(labPaths(dir)).agentPids.node2].sort());
  });

  it('restart fails (and says so) when the new agent exits instead of becoming healthy', async () => {
    const live = new Set([11, 21, 22, 23]);
    const sys = fakeDaemons(live);
    const dies: AgentHealth = async (s, _p, _n, pid) => {
      live.delete(pid);
      await s.sleep(1);
      return false;
    };
    await expect(labRestartNode(dir, 'node1', { sys, self: { node: 'node', gingham: 'g', cniPlugin: '', cniIpam: '', podServer: '' }, progress: () => undefined, healthy: dies })).rejects.toThrow(/gingham node run on node1 exited/);
  });

  it('stop and start etcd or a node agent keep lab status true', async () => {
    const live = new Set([11, 21, 22, 23]);
    const sys = fakeDaemons(live);
    const deps: LabDaemonDeps = { sys, self: { node: 'node', gingham: 'g', cniPlugin: '', cniIpam: '', podServer: '' }, progress: () => undefined, healthy: healthyAfter(1) };
    await labStop(dir, 'node1', deps);
    expect(live.has(22)).toBe(false);
    let st = labStatus(dir, sys);
    expect(st.nodes.find((n) => n.name === 'node1')).toMatchObject({ running: false, stopped: true });
    expect(st.nodes.find((n) => n.name === 'node1')!.pid).toBeUndefined();
    await labStop(dir, 'etcd', deps);
    st = labStatus(dir, sys);
    expect(st.etcd).toMatchObject({ running: false, stopped: true });
    expect(st.etcd.pid).toBeUndefined();

    const pid = await labStart(dir, 'node1', deps);
    st = labStatus(dir, sys);
    expect(st.nodes.find((n) => n.name === 'node1')).toMatchObject({ running: true, stopped: false, pid });
    expect(sys.started.at(-1)).toMatch(/^gd-node1 node g node run .*--health-port 9099/);
    await expect(labStart(dir, 'node1', deps)).rejects.toThrow(/already running .*use gingham lab restart node1/);
    await expect(labStop(dir, 'node9', deps)).rejects.toThrow(LabUpError);
    await expect(labStop(dir, 'node9', deps)).rejects.toThrow(/no node node9 in this lab \(nodes: master1, node1, node2; or etcd\)/);
  });
});

describe('the lab controllers', () => {
  it('run `gingham controllers run` in the LAN namespace with only the route-reflector controller, recorded for lab down', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gingham-lab-ctl-'));
    try {
      const p = labPaths(dir);
      mkdirSync(p.logDir, { recursive: true });
      const t = labTopology({ nodes: 5, podsPerNode: 0, encap: 'none', subnets: 1, prefix: 'glc-', autoRouteReflectors: 2 });
      const envs: Array<NodeJS.ProcessEnv | undefined> = [];
      const sys = fakeDaemons(new Set());
      const pid = startControllers({ ...sys, spawnDetached: (cmd, args, log, env) => (envs.push(env), sys.spawnDetached(cmd, args, log, env)) }, p, { node: 'node', gingham: 'g.js', cniPlugin: '', cniIpam: '', podServer: '' }, t, 2);
      expect(sys.started[0]).toMatch(/^glc-lan node g\.js controllers run --no-leader-election --identity lab-\S*state\.json/);
      expect(envs[0]).toMatchObject({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://10.0.0.1:2379', ENABLED_CONTROLLERS: 'routereflector', ROUTE_REFLECTORS_ENABLED: 'true', ROUTE_REFLECTORS_PER_ZONE: '2' });
      expect(readFileSync(path.join(p.pidDir, 'controllers.pid'), 'utf8').trim()).toBe(String(pid));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

