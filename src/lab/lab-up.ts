// `gingham lab up`: builds the lab as root, step by step, printing progress: the LAN namespace with its bridge(s)
// (routing between them with two subnets), etcd inside it on 10.0.0.1:2379, a namespace per node wired to a bridge
// (address, default route via the LAN namespace, ip_forward=1: proxy ARP for the pods' 169.254.1.1 answers only on
// a forwarding host that routes it), `gingham node run` in each node namespace, optionally the tutorial's route
// reflector, then pods through the installed CNI plugin. State and PIDs are written as they come into being, so
// `gingham lab down` can undo a half-built lab.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildConflist, installCni, wrapperScript } from '../cni/install';
import type { NodeStatusReply } from '../api/wire/node-status';
import { nodeStatusClient } from '../node/status-api';
import { execIn, ipIn, listNamespaces, runOk, stopPids, waitUntil, type LabSys } from './lab-sys';
import { labPaths, readState, recordPid, writeState, type LabPaths, type LabPodState, type LabState } from './lab-state';
import { labTopology, nodeEnvironment, type LabNode, type LabOptions, type LabTopology } from './lab-topology';
import { createPod } from './lab-pods';
import { GinghamError } from '../lib/errors';

/** Where the running gingham lives: the lab starts the same build inside the namespaces. */
export interface LabSelf {
  readonly node: string;
  readonly gingham: string;
  readonly cniPlugin: string;
  readonly cniIpam: string;
}

export interface LabUpDeps {
  readonly sys: LabSys;
  readonly self: LabSelf;
  readonly progress: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export class LabUpError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LabUpFailed', message, options);
  }
}

const ETCD_READY_MS = 30_000;
const AGENT_READY_MS = 60_000;
const ESTABLISHED_MS = 45_000;

export const IPIP_MISSING =
  'IPIP: this kernel has no ipip module, so tunl0 cannot be created. The nodes run and report it; traffic between pods on different nodes will not flow over IPIP (use --encap vxlan).';

/** Runs `gingham ARGS` inside the LAN namespace against the lab's etcd (the host namespace cannot reach it). */
export function labGingham(sys: LabSys, self: LabSelf, t: LabTopology, args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return execIn(sys, t.lanNamespace, [self.node, self.gingham, ...args], {
    timeoutMs: 30_000,
    ...(input !== undefined ? { input } : {}),
    env: { ...process.env, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: t.etcdEndpoint },
  });
}

function buildLan(sys: LabSys, t: LabTopology): void {
  runOk(sys, 'ip', ['netns', 'add', t.lanNamespace]);
  ipIn(sys, t.lanNamespace, ['link', 'set', 'lo', 'up']);
  for (const s of t.subnets) {
    ipIn(sys, t.lanNamespace, ['link', 'add', s.bridge, 'type', 'bridge']);
    ipIn(sys, t.lanNamespace, ['addr', 'add', `${s.gateway}/24`, 'dev', s.bridge]);
    ipIn(sys, t.lanNamespace, ['link', 'set', s.bridge, 'up']);
  }
  // The LAN namespace is the router between the two subnets.
  runOk(sys, 'ip', ['netns', 'exec', t.lanNamespace, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
}

async function startEtcd(sys: LabSys, p: LabPaths, t: LabTopology): Promise<number> {
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

function buildNode(sys: LabSys, t: LabTopology, n: LabNode): void {
  runOk(sys, 'ip', ['netns', 'add', n.namespace]);
  ipIn(sys, n.namespace, ['link', 'set', 'lo', 'up']);
  const s = t.subnets[n.subnet]!;
  ipIn(sys, t.lanNamespace, ['link', 'add', n.lanLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.namespace]);
  ipIn(sys, t.lanNamespace, ['link', 'set', n.lanLink, 'master', s.bridge, 'up']);
  ipIn(sys, n.namespace, ['addr', 'add', n.cidr, 'dev', 'eth0']);
  ipIn(sys, n.namespace, ['link', 'set', 'eth0', 'up']);
  ipIn(sys, n.namespace, ['route', 'add', 'default', 'via', s.gateway, 'dev', 'eth0']);
  runOk(sys, 'ip', ['netns', 'exec', n.namespace, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
}

/** True when the kernel can make an ipip device (tried inside the LAN namespace, removed again). */
export function kernelHasIpip(sys: LabSys, ns: string): { ok: boolean; reason: string } {
  const r = sys.run('ip', ['-n', ns, 'link', 'add', 'glabipip0', 'type', 'ipip']);
  if (r.status === 0) {
    sys.run('ip', ['-n', ns, 'link', 'del', 'glabipip0']);
    return { ok: true, reason: '' };
  }
  return { ok: false, reason: (r.stderr || r.stdout).trim() };
}

function installTools(p: LabPaths, self: LabSelf, t: LabTopology, encap: LabOptions['encap']): void {
  mkdirSync(p.binDir, { recursive: true });
  writeFileSync(path.join(p.binDir, 'gingham'), wrapperScript(self.node, self.gingham), { mode: 0o755 });
  installCni({
    binDir: p.cniBinDir,
    confDir: p.cniConfDir,
    node: self.node,
    entries: { gingham: self.cniPlugin, 'gingham-ipam': self.cniIpam },
    conflist: buildConflist({ datastoreType: 'etcdv3', etcdEndpoints: t.etcdEndpoint, logFilePath: path.join(p.logDir, 'cni.log'), portmap: false }),
  });
  const mtu = 1500 - (encap === 'vxlan' ? 50 : encap === 'ipip' ? 20 : 0);
  for (const n of t.nodes) {
    mkdirSync(p.nodeDir(n.name), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(p.nodeDir(n.name), 'mtu'), `${mtu}\n`);
  }
}

function startAgent(sys: LabSys, p: LabPaths, self: LabSelf, t: LabTopology, n: LabNode, encap: LabOptions['encap']): number {
  const dir = p.nodeDir(n.name);
  const pid = sys.spawnDetached(
    'ip',
    ['netns', 'exec', n.namespace, self.node, self.gingham, 'node', 'run', '--status-socket', p.statusSocket(n.name), '--health-host', '127.0.0.1', '--nodename-file', path.join(dir, 'nodename'), '--mtu-file', path.join(dir, 'mtu'), '--log-level', 'info'],
    path.join(p.logDir, `${n.name}.log`),
    { ...process.env, ...nodeEnvironment(t, n, encap) },
  );
  recordPid(p, `node-${n.name}`, pid);
  return pid;
}

export async function nodeStatus(socket: string, timeoutMs = 3000): Promise<NodeStatusReply | undefined> {
  const client = nodeStatusClient(socket);
  try {
    return await client.call<NodeStatusReply>('GetNodeStatus', {}, timeoutMs);
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

/** The tutorial's route-reflector steps (manifests in src/api/testdata/tutorial/): label, cluster ID, a BGPPeer to the reflector, mesh off. */
function routeReflector(sys: LabSys, self: LabSelf, t: LabTopology, node: string): void {
  const steps: Array<{ args: string[]; input?: string }> = [
    { args: ['label', 'node', node, 'route-reflector=true'] },
    { args: ['patch', 'node', node, '-p', '{"spec":{"bgp":{"routeReflectorClusterID":"1.1.1.1"}}}'] },
    { args: ['apply', '-f', '-'], input: 'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: bgppeer-demo\nspec:\n  nodeSelector: all()\n  peerSelector: route-reflector=="true"\n' },
    { args: ['patch', 'bgpconfiguration', 'default', '-p', '{"spec":{"nodeToNodeMeshEnabled":false}}'] },
  ];
  for (const s of steps) {
    const r = labGingham(sys, self, t, s.args, s.input);
    if (r.status !== 0) throw new LabUpError(`route reflector: gingham ${s.args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  }
}

export async function labUp(opts: LabOptions, stateDir: string, deps: LabUpDeps): Promise<LabState> {
  const { sys, self, progress } = deps;
  const t = labTopology(opts);
  const p = labPaths(stateDir);
  let existing = false;
  try {
    readState(p);
    existing = true;
  } catch {
    existing = false;
  }
  const leftovers = listNamespaces(sys).filter((n) => n.startsWith(opts.prefix));
  if (existing || leftovers.length > 0) throw new LabUpError(`a lab is already here (${existing ? p.stateFile : leftovers.join(', ')}); remove it first with: gingham lab down`);
  mkdirSync(p.logDir, { recursive: true, mode: 0o700 });
  let state: LabState = { prefix: opts.prefix, stateDir, encap: opts.encap, topology: t, agentPids: {}, pods: [], warnings: [] };
  const save = (s: LabState): LabState => {
    writeState(p, s);
    return s;
  };
  save(state);

  progress(`lab: network ${t.lanNamespace} (${t.subnets.map((s) => `${s.bridge} ${s.cidr}`).join(', ')})`);
  buildLan(sys, t);
  progress(`lab: etcd on ${t.etcdEndpoint} (logs ${path.join(p.logDir, 'etcd.log')})`);
  state = save({ ...state, etcdPid: await startEtcd(sys, p, t) });

  for (const n of t.nodes) {
    progress(`lab: node ${n.name} ${n.cidr} in namespace ${n.namespace}`);
    buildNode(sys, t, n);
  }
  if (opts.encap === 'ipip') {
    const ipip = kernelHasIpip(sys, t.lanNamespace);
    if (!ipip.ok) {
      progress(`lab: ${IPIP_MISSING} (${ipip.reason})`);
      state = save({ ...state, warnings: [...state.warnings, IPIP_MISSING] });
    }
  }
  installTools(p, self, t, opts.encap);

  const agentPids: Record<string, number> = {};
  for (const n of t.nodes) {
    progress(`lab: gingham node run on ${n.name} (logs ${path.join(p.logDir, `${n.name}.log`)})`);
    agentPids[n.name] = startAgent(sys, p, self, t, n, opts.encap);
    state = save({ ...state, agentPids: { ...agentPids } });
    // The first agent creates the default pool and configuration; the others find them.
    if (n === t.nodes[0]) await waitAgent(sys, p, n, agentPids[n.name]!);
  }
  for (const n of t.nodes.slice(1)) await waitAgent(sys, p, n, agentPids[n.name]!);

  if (opts.routeReflector !== undefined) {
    progress(`lab: ${opts.routeReflector} becomes the route reflector (cluster ID 1.1.1.1), mesh off`);
    routeReflector(sys, self, t, opts.routeReflector);
  }

  const pods: LabPodState[] = [];
  for (const pod of t.pods) {
    const res = await createPod(sys, p, t, pod);
    progress(res.ip ? `lab: pod ${pod.name} on ${pod.node}: ${res.ip}` : `lab: pod ${pod.name} on ${pod.node} FAILED: ${res.error}`);
    pods.push(res);
    state = save({ ...state, pods: [...pods] });
  }

  progress('lab: waiting for BGP sessions to be Established');
  const established = await waitUntil(
    sys,
    async () => {
      for (const n of t.nodes) {
        const st = await nodeStatus(p.statusSocket(n.name));
        if (!st || st.peers.length === 0 || st.peers.some((x) => x.state !== 'Established')) return false;
      }
      return true;
    },
    opts.nodes > 1 ? ESTABLISHED_MS : 0,
    500,
  );
  if (!established && opts.nodes > 1) {
    const w = `not every BGP session was Established within ${ESTABLISHED_MS / 1000} s (see gingham lab exec NODE -- gingham node status)`;
    progress(`lab: ${w}`);
    state = save({ ...state, warnings: [...state.warnings, w] });
  }
  const failed = pods.filter((x) => x.error);
  if (failed.length > 0) throw new LabUpError(`${failed.length} pod(s) could not be created: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`);
  return state;
}

async function waitAgent(sys: LabSys, p: LabPaths, n: LabNode, pid: number): Promise<void> {
  const ok = await waitUntil(
    sys,
    async () => {
      if (!sys.alive(pid)) throw new LabUpError(`gingham node run on ${n.name} exited: ${logTail(path.join(p.logDir, `${n.name}.log`))}`);
      return (await nodeStatus(p.statusSocket(n.name), 1000)) !== undefined;
    },
    AGENT_READY_MS,
    300,
  );
  if (!ok) throw new LabUpError(`gingham node run on ${n.name} did not answer on ${p.statusSocket(n.name)} within ${AGENT_READY_MS / 1000} s; see ${path.join(p.logDir, `${n.name}.log`)}`);
}

/** The last lines of a daemon's log, for an error that says why it stopped. */
function logTail(file: string, lines = 3): string {
  try {
    const tail = readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' / ');
    return `${tail} (log ${file})`;
  } catch {
    return `no log at ${file}`;
  }
}

/**
 * Restarts one node's agent as an operator upgrading calico-node would: SIGTERM (its sessions close with a Cease; its
 * peers keep its routes under graceful restart and its kernel routes stay), then the same `gingham node run` again,
 * until it answers on its status socket. Returns the new PID.
 */
export async function labRestartNode(stateDir: string, node: string, deps: Omit<LabUpDeps, 'env'>): Promise<number> {
  const p = labPaths(stateDir);
  const state = readState(p);
  const n = state.topology.nodes.find((x) => x.name === node);
  if (n === undefined) throw new LabUpError(`no node ${node} in this lab (nodes: ${state.topology.nodes.map((x) => x.name).join(', ')})`);
  const old = state.agentPids[node];
  if (old !== undefined) await stopPids(deps.sys, [old]);
  deps.progress(`lab: gingham node run on ${node} stopped; starting it again`);
  const pid = startAgent(deps.sys, p, deps.self, state.topology, n, state.encap);
  writeState(p, { ...state, agentPids: { ...state.agentPids, [node]: pid } });
  await waitAgent(deps.sys, p, n, pid);
  return pid;
}
