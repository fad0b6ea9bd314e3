// `gingham lab up`: builds the lab as root, step by step, printing progress: the LAN namespace with its bridge(s)
// (routing between them with two subnets), etcd inside it on 10.0.0.1:2379, a namespace per node wired to a bridge
// (address, default route via the LAN namespace, ip_forward=1: proxy ARP for the pods' 169.254.1.1 answers only on
// a forwarding host that routes it), `gingham node run` in each node namespace, optionally the tutorial's route
// reflector, then pods through the installed CNI plugin. State and PIDs are written as they come into being, so
// `gingham lab down` can undo a half-built lab.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildConflist, installCni, wrapperScript } from '../cni/install';
import { ipIn, listNamespaces, runOk, waitUntil, type LabSys } from './lab-sys';
import { labNamespaces, labPaths, readState, writeState, type LabPaths, type LabPodState, type LabState } from './lab-state';
import { enableNetnsLog } from './lab-netns-log';
import { labTopology, type LabNode, type LabOptions, type LabTopology } from './lab-topology';
import { createPod } from './lab-pods';
import { labGingham, logTail, LabUpError, nodeStatus, startAgent, startControllers, startEtcd, waitAgent, type AgentHealth, type LabSelf } from './lab-daemons';
import { reconcileCluster, runPod, startServer } from './lab-cluster';
import { emptyCluster, SYSTEM_NAMESPACES, withSystemNamespaces } from './lab-k8s';

export { labGingham, LabUpError, type LabSelf } from './lab-daemons';

export interface LabUpDeps {
  readonly sys: LabSys;
  readonly self: LabSelf;
  readonly progress: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly healthy?: AgentHealth;
}

const ESTABLISHED_MS = 45_000;
const REFLECTORS_MS = 30_000;

export const IPIP_MISSING =
  'IPIP: this kernel has no ipip module, so tunl0 cannot be created. The nodes run and report it; traffic between pods on different nodes will not flow over IPIP (use --encap vxlan).';

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

/** The labels kubelet puts on every real node, copied onto its Calico Node as kube-controllers' node sync does. */
export function nodeLabels(n: Pick<LabNode, 'name'>): Record<string, string> {
  return { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch };
}

function labelNodes(sys: LabSys, self: LabSelf, t: LabTopology): void {
  for (const n of t.nodes) {
    const args = ['patch', 'node', n.name, '-p', JSON.stringify({ metadata: { labels: nodeLabels(n) } })];
    const r = labGingham(sys, self, t, args);
    if (r.status !== 0) throw new LabUpError(`node labels: gingham ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
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

/** How many nodes carry the reflector label while the mesh is off (0 while the controllers have not acted yet). */
function reflectorsChosen(sys: LabSys, self: LabSelf, t: LabTopology): number {
  const conf = labGingham(sys, self, t, ['get', 'bgpconfiguration', 'default', '-o', 'json']);
  if (conf.status !== 0 || (JSON.parse(conf.stdout) as { spec?: { nodeToNodeMeshEnabled?: boolean } }).spec?.nodeToNodeMeshEnabled !== false) return 0;
  const nodes = labGingham(sys, self, t, ['get', 'nodes', '-o', 'json']);
  if (nodes.status !== 0) return 0;
  const parsed = JSON.parse(nodes.stdout) as { items?: Array<{ metadata: { labels?: Record<string, string> } }> };
  return (parsed.items ?? []).filter((n) => n.metadata.labels?.['route-reflector'] === 'true').length;
}

/**
 * What stands in the way of a new lab in stateDir: its state.json, or one of exactly the namespaces it would create
 * (another lab with a longer prefix, `nw-b-` beside `nw-`, is no conflict). undefined when the way is clear.
 */
export function upConflict(p: LabPaths, t: LabTopology, sys: LabSys): string | undefined {
  try {
    readState(p);
    return p.stateFile;
  } catch {
    // no lab state here
  }
  const existing = new Set(listNamespaces(sys));
  const taken = labNamespaces({ topology: t, pods: [] }).filter((n) => existing.has(n));
  return taken.length > 0 ? `namespaces ${taken.join(', ')}` : undefined;
}

export async function labUp(opts: LabOptions, stateDir: string, deps: LabUpDeps): Promise<LabState> {
  const { sys, self, progress } = deps;
  const t = labTopology(opts);
  const p = labPaths(stateDir);
  const conflict = upConflict(p, t, sys);
  if (conflict !== undefined) throw new LabUpError(`a lab is already here (${conflict}); remove it first with: gingham lab down --state-dir ${stateDir} --prefix ${opts.prefix}`);
  mkdirSync(p.logDir, { recursive: true, mode: 0o700 });
  let state: LabState = { prefix: opts.prefix, stateDir, encap: opts.encap, topology: t, agentPids: {}, pods: [], warnings: [] };
  const save = (s: LabState): LabState => {
    writeState(p, s);
    return s;
  };
  save(state);

  progress(`lab: network ${t.lanNamespace} (${t.subnets.map((s) => `${s.bridge} ${s.cidr}`).join(', ')})`);
  buildLan(sys, t);
  // Log rules in the nodes' namespaces write kernel log lines only with nf_log_all_netns=1 (lab-netns-log.ts).
  const logWarning = await enableNetnsLog(sys, stateDir);
  if (logWarning !== undefined) progress(`lab: ${logWarning}`);
  state = save({ ...state, netnsLog: logWarning === undefined, warnings: logWarning === undefined ? state.warnings : [...state.warnings, logWarning] });
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
    if (n === t.nodes[0]) await waitAgent(sys, p, n, agentPids[n.name]!, deps.healthy);
  }
  for (const n of t.nodes.slice(1)) await waitAgent(sys, p, n, agentPids[n.name]!, deps.healthy);
  progress('lab: node labels kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch');
  labelNodes(sys, self, t);

  if (opts.routeReflector !== undefined) {
    progress(`lab: ${opts.routeReflector} becomes the route reflector (cluster ID 1.1.1.1), mesh off`);
    routeReflector(sys, self, t, opts.routeReflector);
  }

  if (opts.autoRouteReflectors !== undefined) {
    progress(`lab: gingham controllers run chooses ${opts.autoRouteReflectors} route reflector(s) (logs ${path.join(p.logDir, 'controllers.log')})`);
    const pid = startControllers(sys, p, self, t, opts.autoRouteReflectors);
    const chosen = await waitUntil(
      sys,
      () => {
        if (!sys.alive(pid)) throw new LabUpError(`gingham controllers run exited: ${logTail(path.join(p.logDir, 'controllers.log'))}`);
        return reflectorsChosen(sys, self, t) >= opts.autoRouteReflectors!;
      },
      REFLECTORS_MS,
      500,
    );
    if (!chosen) throw new LabUpError(`the controllers chose no ${opts.autoRouteReflectors} route reflector(s) within ${REFLECTORS_MS / 1000} s; see ${path.join(p.logDir, 'controllers.log')}`);
  }

  // The cluster's namespaces and their profiles come before any pod: an enforcing agent drops an endpoint whose
  // profiles are missing, as Calico does.
  progress(`lab: namespaces ${SYSTEM_NAMESPACES.join(', ')} and their kns./ksa. profiles`);
  state = save({ ...state, cluster: withSystemNamespaces(emptyCluster()) });
  state = await reconcileCluster(stateDir, { sys, self, progress, random: Math.random });

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
  // The pods `up` made are Kubernetes pods of the default namespace as far as the lab's cluster goes (label run=NAME,
  // as `kubectl run` makes them), each with its server; the reconcile writes the namespace profiles, the endpoint
  // labels and the (empty) service table.
  const cluster = { ...withSystemNamespaces(emptyCluster()), pods: Object.fromEntries(t.pods.map((x) => [`default/${x.name}`, runPod(x.name, 'default', x.node, {}, [])])) };
  const served = pods.map((x) => (x.ip ? { ...x, k8sNamespace: 'default', serverPid: startServer(sys, self, p, { ...x, k8sNamespace: 'default' }, [{ port: 80, protocol: 'TCP' }]) } : { ...x, k8sNamespace: 'default' }));
  state = save({ ...state, pods: served, cluster });
  if (pods.every((x) => x.ip)) {
    progress('lab: pod servers started; namespace profiles, endpoint labels and the service table written');
    state = await reconcileCluster(stateDir, { sys, self, progress, random: Math.random });
  }
  const failed = pods.filter((x) => x.error);
  if (failed.length > 0) throw new LabUpError(`${failed.length} pod(s) could not be created: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`);
  return state;
}
