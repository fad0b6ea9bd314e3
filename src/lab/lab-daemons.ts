// The lab's daemons: etcd in the LAN namespace and `gingham node run` in each node namespace. Started detached with
// their PIDs recorded the moment they exist (so `down` finds them after a crash); stopped by PID (SIGTERM, then
// SIGKILL). `lab restart`, `lab stop` and `lab start` (fault drills) change state.json only under its lock, and a
// restarted or started agent counts as up only once it is healthy: its process lives, its status socket answers and
// its /liveness on the health port (9099, inside the node namespace) says 200.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PORTS } from '../api/well-known';
import { GinghamError } from '../lib/errors';
import type { NodeStatusReply } from '../api/wire/node-status';
import { execIn, stopPids, waitUntil, type LabSys } from './lab-sys';
import { labPaths, readState, recordPid, updateState, type LabPaths, type LabState } from './lab-state';
import { nodeEnvironment, type LabEncap, type LabNode, type LabTopology } from './lab-topology';

/** Where the running gingham lives: the lab starts the same build inside the namespaces. */
export interface LabSelf {
  readonly node: string;
  readonly gingham: string;
  readonly cniPlugin: string;
  readonly cniIpam: string;
  /** pod-server.js: the server in every lab pod and the client of `lab probe`. */
  readonly podServer: string;
}

export class LabUpError extends GinghamError {
  constructor(message: string) {
    super('LAB_UP', message);
  }
}

export const ETCD_READY_MS = 30_000;
export const AGENT_READY_MS = 60_000;
/** The agent's health port (calico-node's FELIX_HEALTHPORT default); the lab binds it to 127.0.0.1 in each node. */
export const AGENT_HEALTH_PORT = PORTS.health;

/** Runs `gingham ARGS` inside the LAN namespace against the lab's etcd (the host namespace cannot reach it). */
export function labGingham(sys: LabSys, self: LabSelf, t: LabTopology, args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return execIn(sys, t.lanNamespace, [self.node, self.gingham, ...args], {
    timeoutMs: 30_000,
    ...(input !== undefined ? { input } : {}),
    env: { ...process.env, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: t.etcdEndpoint },
  });
}

/** The last lines of a daemon's log, for an error that says why it stopped. */
export function logTail(file: string, lines = 3): string {
  try {
    const tail = readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' / ');
    return `${tail} (log ${file})`;
  } catch {
    return `no log at ${file}`;
  }
}

export async function startEtcd(sys: LabSys, p: LabPaths, t: LabTopology): Promise<number> {
  mkdirSync(p.etcdData, { recursive: true, mode: 0o700 });
  const peer = 'http://127.0.0.1:2380';
  const pid = sys.spawnDetached(
    'ip',
    ['netns', 'exec', t.lanNamespace, 'etcd', '--name', 'lab', '--data-dir', p.etcdData, '--listen-client-urls', t.etcdEndpoint, '--advertise-client-urls', t.etcdEndpoint, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `lab=${peer}`],
    path.join(p.logDir, 'etcd.log'),
    { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' },
  );
  recordPid(p, 'etcd', pid);
  const ok = await waitUntil(
    sys,
    () => {
      if (!sys.alive(pid)) throw new LabUpError(`etcd exited at start: ${logTail(path.join(p.logDir, 'etcd.log'))}`);
      return execIn(sys, t.lanNamespace, ['etcdctl', '--endpoints', t.etcdEndpoint, '--command-timeout=2s', 'endpoint', 'health'], { env: { ...process.env, ETCDCTL_API: '3' } }).status === 0;
    },
    ETCD_READY_MS,
    300,
  );
  if (!ok) throw new LabUpError(`etcd did not become healthy within ${ETCD_READY_MS / 1000} s; see ${path.join(p.logDir, 'etcd.log')}`);
  return pid;
}

export function startAgent(sys: LabSys, p: LabPaths, self: LabSelf, t: LabTopology, n: LabNode, encap: LabEncap): number {
  const dir = p.nodeDir(n.name);
  const pid = sys.spawnDetached(
    'ip',
    ['netns', 'exec', n.namespace, self.node, self.gingham, 'node', 'run', '--status-socket', p.statusSocket(n.name), '--health-host', '127.0.0.1', '--health-port', String(AGENT_HEALTH_PORT), '--nodename-file', path.join(dir, 'nodename'), '--mtu-file', path.join(dir, 'mtu'), '--log-level', 'info'],
    path.join(p.logDir, `${n.name}.log`),
    { ...process.env, ...nodeEnvironment(t, n, encap) },
  );
  recordPid(p, `node-${n.name}`, pid);
  return pid;
}

/** The environment of the lab's controllers: the lab etcd, only the route-reflector controller (the lab has no Kubernetes API). */
export function controllersEnvironment(t: LabTopology, perZone: number): Record<string, string> {
  return {
    DATASTORE_TYPE: 'etcdv3',
    ETCD_ENDPOINTS: t.etcdEndpoint,
    ENABLED_CONTROLLERS: 'routereflector',
    ROUTE_REFLECTORS_ENABLED: 'true',
    ROUTE_REFLECTORS_PER_ZONE: String(perZone),
  };
}

/**
 * `gingham controllers run` in the LAN namespace (one replica, no election), as the chart's Deployment runs it. Its
 * identity names the state file, so `lab down` recognises the process as this lab's by its command line.
 */
export function startControllers(sys: LabSys, p: LabPaths, self: LabSelf, t: LabTopology, perZone: number): number {
  const log = path.join(p.logDir, 'controllers.log');
  const pid = sys.spawnDetached(
    'ip',
    ['netns', 'exec', t.lanNamespace, self.node, self.gingham, 'controllers', 'run', '--no-leader-election', '--identity', `lab-${p.stateFile}`, '--log-level', 'info'],
    log,
    { ...process.env, ...controllersEnvironment(t, perZone) },
  );
  recordPid(p, 'controllers', pid);
  return pid;
}

export async function nodeStatus(socket: string, timeoutMs = 3000): Promise<NodeStatusReply | undefined> {
  // gRPC is loaded by the lab commands that ask an agent, not by every `gingham lab ...`.
  const { nodeStatusClient } = await import('../node/status-api');
  const client = nodeStatusClient(socket);
  try {
    return await client.call<NodeStatusReply>('GetNodeStatus', {}, timeoutMs);
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

/** How the lab judges an agent healthy; tests substitute it. */
export type AgentHealth = (sys: LabSys, p: LabPaths, n: LabNode, pid: number) => Promise<boolean>;

/** The real check: the process lives, its status socket answers, and GET /liveness inside its namespace says 200. */
export const agentHealthy: AgentHealth = async (sys, p, n, pid) => {
  if (!sys.alive(pid)) return false;
  if ((await nodeStatus(p.statusSocket(n.name), 1000)) === undefined) return false;
  const r = execIn(sys, n.namespace, ['curl', '-sf', '--max-time', '1', `http://127.0.0.1:${AGENT_HEALTH_PORT}/liveness`], { timeoutMs: 3000 });
  return r.status === 0 && sys.alive(pid);
};

export async function waitAgent(sys: LabSys, p: LabPaths, n: LabNode, pid: number, healthy: AgentHealth = agentHealthy): Promise<void> {
  const ok = await waitUntil(
    sys,
    async () => {
      if (!sys.alive(pid)) throw new LabUpError(`gingham node run on ${n.name} exited: ${logTail(path.join(p.logDir, `${n.name}.log`))}`);
      return healthy(sys, p, n, pid);
    },
    AGENT_READY_MS,
    300,
  );
  if (!ok) throw new LabUpError(`gingham node run on ${n.name} did not become healthy (status socket ${p.statusSocket(n.name)}, /liveness on 127.0.0.1:${AGENT_HEALTH_PORT}) within ${AGENT_READY_MS / 1000} s; see ${path.join(p.logDir, `${n.name}.log`)}`);
}

export interface LabDaemonDeps {
  readonly sys: LabSys;
  readonly self: LabSelf;
  readonly progress: (line: string) => void;
  readonly healthy?: AgentHealth;
}

function findNode(state: LabState, node: string): LabNode {
  const n = state.topology.nodes.find((x) => x.name === node);
  if (n === undefined) throw new LabUpError(`no node ${node} in this lab (nodes: ${state.topology.nodes.map((x) => x.name).join(', ')}; or etcd)`);
  return n;
}

const without = (list: readonly string[] | undefined, name: string): string[] => (list ?? []).filter((x) => x !== name);

/**
 * Restarts one node's agent as an operator upgrading calico-node would: SIGTERM (its sessions close with a Cease; its
 * peers keep its routes under graceful restart and its kernel routes stay), then the same `gingham node run` again.
 * The new PID is recorded under the state lock (concurrent restarts of other nodes keep theirs); returns it once the
 * new agent is healthy, and fails if it is not.
 */
export async function labRestartNode(stateDir: string, node: string, deps: LabDaemonDeps): Promise<number> {
  const p = labPaths(stateDir);
  const state = readState(p);
  const n = findNode(state, node);
  const old = state.agentPids[node];
  if (old !== undefined) await stopPids(deps.sys, [old]);
  deps.progress(`lab: gingham node run on ${node} stopped; starting it again`);
  return startNodeAgent(p, state, n, deps);
}

async function startNodeAgent(p: LabPaths, state: LabState, n: LabNode, deps: LabDaemonDeps): Promise<number> {
  const pid = startAgent(deps.sys, p, deps.self, state.topology, n, state.encap);
  await updateState(p, deps.sys, (s) => ({ ...s, agentPids: { ...s.agentPids, [n.name]: pid }, stopped: without(s.stopped, n.name) }));
  await waitAgent(deps.sys, p, n, pid, deps.healthy);
  return pid;
}

/** `gingham lab stop etcd|NODE`: stops the daemon by its PID and records that an operator stopped it. */
export async function labStop(stateDir: string, what: string, deps: LabDaemonDeps): Promise<number | undefined> {
  const p = labPaths(stateDir);
  const state = readState(p);
  const pid = what === 'etcd' ? state.etcdPid : state.agentPids[findNode(state, what).name];
  if (pid !== undefined) await stopPids(deps.sys, [pid]);
  await updateState(p, deps.sys, (s) => {
    const agentPids = { ...s.agentPids };
    if (what !== 'etcd') delete agentPids[what];
    const { etcdPid: _etcd, ...rest } = s;
    return { ...(what === 'etcd' ? rest : s), agentPids, stopped: [...without(s.stopped, what), what] };
  });
  deps.progress(`lab: ${what === 'etcd' ? 'etcd' : `gingham node run on ${what}`} stopped${pid !== undefined ? ` (pid ${pid})` : ' (it was not running)'}`);
  return pid;
}

/** `gingham lab start etcd|NODE`: starts the daemon again (etcd on its data, the agent as `up` did) once healthy. */
export async function labStart(stateDir: string, what: string, deps: LabDaemonDeps): Promise<number> {
  const p = labPaths(stateDir);
  const state = readState(p);
  if (what === 'etcd') {
    if (state.etcdPid !== undefined && deps.sys.alive(state.etcdPid)) throw new LabUpError(`etcd is already running (pid ${state.etcdPid})`);
    const pid = await startEtcd(deps.sys, p, state.topology);
    await updateState(p, deps.sys, (s) => ({ ...s, etcdPid: pid, stopped: without(s.stopped, 'etcd') }));
    return pid;
  }
  const n = findNode(state, what);
  const old = state.agentPids[what];
  if (old !== undefined && deps.sys.alive(old)) throw new LabUpError(`gingham node run on ${what} is already running (pid ${old}); use gingham lab restart ${what}`);
  return startNodeAgent(p, state, n, deps);
}
