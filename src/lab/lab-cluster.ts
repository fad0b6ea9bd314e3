// The lab as a small cluster: `lab apply|delete -f`, `lab run` and `lab label` change the Kubernetes objects the lab
// keeps in state.json (it plays the API server), then one reconcile makes the lab match them, doing what the
// controllers of a real cluster do: pods get a network namespace through the CNI plugin and a server on their ports
// (kubelet and the container), their WorkloadEndpoints get the pod's labels, profiles and named ports and each
// namespace its `kns.` profile, NetworkPolicies are converted into the lab's etcd (Calico's kube-controllers, with the
// one conversion in src/api/k8s), and ClusterIP services become a DNAT map in every node (kube-proxy). Pods a
// Deployment owns are created and removed with it. The Calico kinds in the same file go to `gingham apply`.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { workloadEndpointName } from '../api/kind-workload-endpoint';
import { podEndpointLabels, podEndpointPorts, podProfiles, type K8sPod } from '../api/k8s';
import { labGingham, LabUpError, type LabSelf } from './lab-daemons';
import { createPod, runPlugin } from './lab-pods';
import { execIn, namespacePids, runOk, stopPids, type LabSys } from './lab-sys';
import { labPaths, readState, recordPid, updateState, type LabPaths, type LabPodState, type LabState } from './lab-state';
import {
  allocateClusterIP,
  calicoObjects,
  decodeLabObject,
  deploymentPods,
  emptyCluster,
  isLabK8sKind,
  keyOf,
  LabObjectError,
  selects,
  servedPorts,
  targetPortOn,
  type LabCluster,
  type LabDeployment,
  type LabK8sObject,
  UNDELETABLE_NAMESPACES,
  withSystemNamespaces,
} from './lab-k8s';
import { KUBE_PROXY_TABLE, renderKubeProxy, type ServiceRule } from './lab-services';

export interface LabClusterDeps {
  readonly sys: LabSys;
  readonly self: LabSelf;
  readonly progress: (line: string) => void;
  readonly random: () => number;
}

/** The network namespace of a Kubernetes pod of the lab (a dot never appears in the names `up` uses). */
export const podNetns = (prefix: string, ns: string, name: string): string => `${prefix}${ns}.${name}`;

const clusterOf = (s: LabState): LabCluster => withSystemNamespaces(s.cluster ?? emptyCluster());

/** Adds or replaces objects in the cluster (a Deployment brings its pods); the API server's refusals as errors. */
export function applyObjects(c0: LabCluster, objs: readonly LabK8sObject[], nodes: readonly string[], random: () => number): LabCluster {
  const c = { namespaces: { ...c0.namespaces }, pods: { ...c0.pods }, deployments: { ...c0.deployments }, services: { ...c0.services }, networkPolicies: { ...c0.networkPolicies } };
  for (const o of objs) {
    if (o.kind === 'Namespace') {
      c.namespaces[o.metadata.name] = o;
      continue;
    }
    const ns = o.metadata.namespace || 'default';
    if (!c.namespaces[ns]) throw new LabObjectError(`${o.kind} ${ns}/${o.metadata.name}: namespaces "${ns}" not found`);
    if (o.kind === 'Pod') {
      if (o.spec.nodeName !== undefined && !nodes.includes(o.spec.nodeName)) throw new LabObjectError(`Pod ${keyOf(o)}: spec.nodeName: "${o.spec.nodeName}" is not a lab node (${nodes.join(', ')})`);
      const cur = c.pods[keyOf(o)];
      // Like kubectl apply on a running pod: labels change in place; the spec stays (a pod's spec is immutable).
      c.pods[keyOf(o)] = cur ? { ...cur, metadata: { ...cur.metadata, labels: o.metadata.labels ?? {} } } : { ...o, spec: { ...o.spec, nodeName: o.spec.nodeName ?? leastLoaded(c, nodes) } };
    } else if (o.kind === 'Deployment') {
      c.deployments[keyOf(o)] = o;
      setDeploymentPods(c, o, nodes, random);
    } else if (o.kind === 'Service') c.services[keyOf(o)] = o;
    else c.networkPolicies[keyOf(o)] = o;
  }
  return c;
}

function leastLoaded(c: LabCluster, nodes: readonly string[]): string {
  const load = podsPerNode(c);
  return [...nodes].sort((a, b) => (load[a] ?? 0) - (load[b] ?? 0) || nodes.indexOf(a) - nodes.indexOf(b))[0]!;
}

function podsPerNode(c: LabCluster): Record<string, number> {
  const load: Record<string, number> = {};
  for (const p of Object.values(c.pods)) if (p.spec.nodeName) load[p.spec.nodeName] = (load[p.spec.nodeName] ?? 0) + 1;
  return load;
}

const ownedBy = (p: K8sPod, d: LabDeployment): boolean =>
  p.metadata.namespace === d.metadata.namespace && ((p.metadata as { ownerReferences?: Array<{ name: string }> }).ownerReferences ?? []).some((r) => r.name.startsWith(`${d.metadata.name}-`) && r.name.slice(d.metadata.name.length + 1) === p.metadata.labels?.['pod-template-hash']);

function setDeploymentPods(c: { pods: Record<string, K8sPod> }, d: LabDeployment, nodes: readonly string[], random: () => number): void {
  const mine = Object.values(c.pods).filter((p) => ownedBy(p, d));
  for (const p of mine) delete c.pods[keyOf(p)];
  const others = Object.values(c.pods);
  const load: Record<string, number> = {};
  for (const p of others) if (p.spec.nodeName) load[p.spec.nodeName] = (load[p.spec.nodeName] ?? 0) + 1;
  // Names of other pods stay taken; the Deployment's own are reused when the template is unchanged.
  const want = deploymentPods(d, [...mine, ...others.filter((p) => p.metadata.namespace === d.metadata.namespace)], load, nodes, random).filter((p) => !others.includes(p));
  for (const p of want) c.pods[keyOf(p)] = p;
}

/** Removes objects (a Deployment takes its pods, a Namespace everything in it). Absent objects are reported. */
export function deleteObjects(c0: LabCluster, objs: readonly LabK8sObject[]): { cluster: LabCluster; missing: string[] } {
  const c = { namespaces: { ...c0.namespaces }, pods: { ...c0.pods }, deployments: { ...c0.deployments }, services: { ...c0.services }, networkPolicies: { ...c0.networkPolicies } };
  const missing: string[] = [];
  const drop = (m: Record<string, unknown>, k: string, what: string): void => {
    if (k in m) delete m[k];
    else missing.push(`${what} ${k}`);
  };
  // Namespaces last: a file that holds a namespace and what is in it deletes both (kubectl delete -f does).
  const ordered = [...objs.filter((o) => o.kind !== 'Namespace'), ...objs.filter((o) => o.kind === 'Namespace')];
  for (const o of ordered) {
    if (o.kind === 'Namespace') {
      if (UNDELETABLE_NAMESPACES.includes(o.metadata.name)) throw new LabObjectError(`namespaces "${o.metadata.name}" is forbidden: this namespace may not be deleted`);
      drop(c.namespaces, o.metadata.name, 'Namespace');
      for (const m of [c.pods, c.deployments, c.services, c.networkPolicies] as Array<Record<string, { metadata: { namespace?: string } }>>) for (const [k, v] of Object.entries(m)) if (v.metadata.namespace === o.metadata.name) delete m[k];
    } else if (o.kind === 'Pod') drop(c.pods, keyOf(o), 'Pod');
    else if (o.kind === 'Deployment') {
      const d = c.deployments[keyOf(o)];
      drop(c.deployments, keyOf(o), 'Deployment');
      if (d) for (const p of Object.values(c.pods)) if (ownedBy(p, d)) delete c.pods[keyOf(p)];
    } else if (o.kind === 'Service') drop(c.services, keyOf(o), 'Service');
    else drop(c.networkPolicies, keyOf(o), 'NetworkPolicy');
  }
  return { cluster: c, missing };
}

/** Splits manifest documents into the lab's Kubernetes kinds (decoded, defaulted) and the rest (for `gingham`). */
export function splitManifests(docs: readonly unknown[]): { k8s: LabK8sObject[]; calico: unknown[] } {
  const k8s: LabK8sObject[] = [];
  const calico: unknown[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (isLabK8sKind(d)) k8s.push(decodeLabObject(d));
    else calico.push(d);
  }
  return { k8s, calico };
}

/**
 * The documents `gingham apply -f -` reads, as JSON (valid YAML): `gingham` reads YAML 1.1 as kubectl does, where a
 * plain `y`, `n`, `yes` or `on` is a boolean that a string field receives as "true"/"false", so a namespace labelled
 * `ns: y` would give its profile `pcns.ns: "true"`. JSON quotes every string.
 */
export const manifestText = (objs: readonly unknown[]): string => objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';

function gingham(deps: LabClusterDeps, s: LabState, args: readonly string[], input?: string): string {
  const r = labGingham(deps.sys, deps.self, s.topology, args, input);
  if (r.status !== 0) throw new LabUpError(`gingham ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** `gingham apply` for the Calico kinds of a manifest, through the lab datastore. */
export function applyCalico(deps: LabClusterDeps, s: LabState, docs: readonly unknown[], verb: 'apply' | 'delete'): string {
  if (docs.length === 0) return '';
  return gingham(deps, s, verb === 'apply' ? ['apply', '-f', '-'] : ['delete', '-f', '-', '--skip-not-exists'], manifestText(docs));
}

/** Changes the cluster under the state lock, then reconciles the lab to it. */
export async function changeCluster(stateDir: string, deps: LabClusterDeps, change: (c: LabCluster, s: LabState) => LabCluster): Promise<LabState> {
  const p = labPaths(stateDir);
  await updateState(p, deps.sys, (s) => ({ ...s, cluster: change(clusterOf(s), s) }));
  return reconcileCluster(stateDir, deps);
}

const digest = (o: unknown): string => createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 16);
const calicoKey = (o: { kind: string; metadata: { name: string; namespace?: string } }): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Makes the lab match its cluster: pods, endpoint labels, profiles and policies in etcd, the services' DNAT maps. */
export async function reconcileCluster(stateDir: string, deps: LabClusterDeps): Promise<LabState> {
  const p = labPaths(stateDir);
  let s = readState(p);
  const c = clusterOf(s);
  const t = s.topology;

  // Calico objects first (namespace profiles must exist before endpoints name them), only those that changed since
  // the lab last wrote them; then removals.
  const calico = calicoObjects(c) as Array<{ kind: string; metadata: { name: string; namespace?: string } }>;
  const digests = Object.fromEntries(calico.map((o) => [calicoKey(o), digest(o)]));
  applyCalico(deps, s, calico.filter((o) => s.calicoDigests?.[calicoKey(o)] !== digests[calicoKey(o)]), 'apply');
  const keys = calico.map(calicoKey);
  const gone = (s.calicoWritten ?? []).filter((k) => !keys.includes(k));
  if (gone.length > 0) {
    const docs = gone.map((k) => {
      const [kind, id] = k.split(' ') as [string, string];
      const [a, b] = id.split('/');
      return { apiVersion: 'projectcalico.org/v3', kind, metadata: b === undefined ? { name: a } : { name: b, namespace: a } };
    });
    applyCalico(deps, s, docs, 'delete');
  }
  s = await updateState(p, deps.sys, (x) => ({ ...x, calicoWritten: keys, calicoDigests: digests }));

  // Pods that should not run any more.
  const wanted = new Set(Object.keys(c.pods));
  for (const pod of s.pods.filter((x) => x.k8sNamespace !== undefined && !wanted.has(`${x.k8sNamespace}/${x.name}`))) {
    deps.progress(`lab: pod ${pod.k8sNamespace}/${pod.name} deleted`);
    await removePod(deps, p, s, pod);
    s = await updateState(p, deps.sys, (x) => ({ ...x, pods: x.pods.filter((y) => y.namespace !== pod.namespace) }));
  }
  // Pods to start.
  for (const [key, pod] of Object.entries(c.pods)) {
    if (s.pods.some((x) => x.k8sNamespace !== undefined && `${x.k8sNamespace}/${x.name}` === key)) continue;
    const ns = pod.metadata.namespace || 'default';
    const spec = { name: pod.metadata.name, node: pod.spec.nodeName!, namespace: podNetns(s.prefix, ns, pod.metadata.name), k8sNamespace: ns };
    // Recorded before the namespace exists, so `down` removes it even if this command dies half-way.
    s = await updateState(p, deps.sys, (x) => ({ ...x, pods: [...x.pods, spec] }));
    const made = await createPod(deps.sys, p, t, spec);
    let serverPid: number | undefined;
    if (made.ip) serverPid = startServer(deps.sys, deps.self, p, { ...made, k8sNamespace: ns }, servedPorts(pod));
    deps.progress(made.ip ? `lab: pod ${key} on ${spec.node}: ${made.ip}` : `lab: pod ${key} on ${spec.node} FAILED: ${made.error}`);
    s = await updateState(p, deps.sys, (x) => ({ ...x, pods: x.pods.map((y) => (y.namespace === spec.namespace ? { ...made, ...(serverPid ? { serverPid } : {}) } : y)) }));
  }
  // Endpoint labels, profiles and named ports, as Calico's CNI plugin writes them from the pod.
  for (const [key, pod] of Object.entries(c.pods)) {
    const st = s.pods.find((x) => x.k8sNamespace !== undefined && `${x.k8sNamespace}/${x.name}` === key);
    if (!st?.ip) continue;
    const want = { labels: podEndpointLabels(pod), profiles: podProfiles(pod), ports: podEndpointPorts(pod) };
    const text = JSON.stringify(want);
    if (st.endpointApplied === text) continue;
    const before = st.endpointApplied ? (JSON.parse(st.endpointApplied) as typeof want) : { labels: {} };
    const labels: Record<string, string | null> = { ...want.labels };
    for (const k of Object.keys(before.labels)) if (!(k in want.labels)) labels[k] = null;
    const wep = workloadEndpointName(st.node, st.name, 'eth0');
    gingham(deps, s, ['patch', 'workloadendpoint', wep, '-n', st.k8sNamespace!, '--type', 'merge', '-p', JSON.stringify({ metadata: { labels }, spec: { profiles: want.profiles, ports: want.ports.length ? want.ports : null } })]);
    s = await updateState(p, deps.sys, (x) => ({ ...x, pods: x.pods.map((y) => (y.namespace === st.namespace ? { ...y, endpointApplied: text } : y)) }));
  }
  // Services.
  const used = new Map(Object.entries(s.clusterIPs ?? {}).map(([k, ip]) => [ip, k] as [string, string]));
  const clusterIPs: Record<string, string> = {};
  for (const [key, svc] of Object.entries(c.services)) {
    const ip = s.clusterIPs?.[key] ?? allocateClusterIP(svc, used);
    used.set(ip, key);
    clusterIPs[key] = ip;
  }
  s = await updateState(p, deps.sys, (x) => ({ ...x, clusterIPs }));
  installServices(deps.sys, s, serviceRules(c, s));
  return s;
}

/** The DNAT rules of every service: its ClusterIP and ports, to the selected pods that have an address. */
export function serviceRules(c: LabCluster, s: Pick<LabState, 'pods' | 'clusterIPs'>): ServiceRule[] {
  const rules: ServiceRule[] = [];
  for (const [key, svc] of Object.entries(c.services)) {
    const ip = s.clusterIPs?.[key];
    if (!ip) continue;
    const pods = Object.values(c.pods).filter((p) => p.metadata.namespace === svc.metadata.namespace && selects(svc.spec.selector, p.metadata.labels));
    for (const sp of svc.spec.ports) {
      const endpoints = pods.flatMap((pod) => {
        const st = s.pods.find((x) => x.k8sNamespace === pod.metadata.namespace && x.name === pod.metadata.name);
        const port = targetPortOn(sp, pod);
        return st?.ip && port !== undefined ? [{ ip: st.ip, port }] : [];
      });
      rules.push({ service: key, clusterIP: ip, protocol: sp.protocol.toLowerCase() as ServiceRule['protocol'], port: sp.port, endpoints });
    }
  }
  return rules;
}

/** Loads the kube-proxy stand-in table into every node namespace (one atomic `nft -f` each). */
export function installServices(sys: LabSys, s: LabState, rules: readonly ServiceRule[]): void {
  const text = renderKubeProxy(rules);
  for (const n of s.topology.nodes) {
    const r = execIn(sys, n.namespace, ['nft', '-f', '-'], { input: text });
    if (r.status !== 0) throw new LabUpError(`nft -f (table ${KUBE_PROXY_TABLE}) in ${n.namespace}: ${(r.stderr || r.stdout).trim()}`);
  }
}

/** Starts the pod's server (pod-server.ts) inside its namespace; its PID is recorded at once. */
export function startServer(sys: LabSys, self: LabSelf, p: LabPaths, pod: LabPodState, ports: ReadonlyArray<{ port: number; protocol: string }>): number {
  const pid = sys.spawnDetached(
    'ip',
    ['netns', 'exec', pod.namespace, self.node, self.podServer, 'serve', pod.name, pod.ip!, ...ports.map((x) => `${x.port}/${x.protocol}`)],
    path.join(p.logDir, `pod-${pod.k8sNamespace ?? 'default'}.${pod.name}.log`),
    process.env,
  );
  recordPid(p, `pod-${pod.k8sNamespace ?? 'default'}.${pod.name}`, pid);
  return pid;
}

/** The pod's processes stopped, CNI DEL run (its address released, its endpoint removed), its namespace deleted. */
/**
 * Stops every process inside the pod's network namespace (its server, anything `lab exec` left running), found there
 * rather than by the recorded server PID: a server that ended on its own may have had its PID reused by then.
 */
export async function stopPodProcesses(sys: LabSys, pod: Pick<LabPodState, 'namespace'>): Promise<number[]> {
  const pids = namespacePids(sys, pod.namespace).filter((pid) => pid !== process.pid);
  await stopPids(sys, pids);
  return pids;
}

async function removePod(deps: LabClusterDeps, p: LabPaths, s: LabState, pod: LabPodState): Promise<void> {
  await stopPodProcesses(deps.sys, pod);
  const r = runPlugin(deps.sys, p, s.topology, pod, 'DEL');
  if (r.status !== 0) deps.progress(`lab: CNI DEL of ${pod.k8sNamespace}/${pod.name}: ${(r.stderr || r.stdout).trim()}`);
  runOk(deps.sys, 'ip', ['netns', 'delete', pod.namespace]);
}

/** `gingham lab label pod|namespace [-n NS] NAME k=v|k-`: the label change, as kubectl label makes it. */
export function relabel(c: LabCluster, kind: 'pod' | 'namespace', ns: string, name: string, changes: readonly string[]): LabCluster {
  const apply = (labels: Record<string, string> | undefined, what: string): Record<string, string> => {
    const out = { ...(labels ?? {}) };
    for (const ch of changes) {
      if (ch.endsWith('-') && !ch.includes('=')) delete out[ch.slice(0, -1)];
      else {
        const i = ch.indexOf('=');
        if (i <= 0) throw new LabObjectError(`${what}: label "${ch}": must be key=value or key-`);
        out[ch.slice(0, i)] = ch.slice(i + 1);
      }
    }
    return out;
  };
  if (kind === 'namespace') {
    const cur = c.namespaces[name];
    if (!cur) throw new LabObjectError(`namespaces "${name}" not found`);
    const labels = { ...apply(cur.metadata.labels, `Namespace ${name}`), 'kubernetes.io/metadata.name': name };
    return { ...c, namespaces: { ...c.namespaces, [name]: { ...cur, metadata: { ...cur.metadata, labels } } } };
  }
  const key = `${ns}/${name}`;
  const cur = c.pods[key];
  if (!cur) throw new LabObjectError(`pods "${name}" not found in namespace ${ns}`);
  return { ...c, pods: { ...c.pods, [key]: { ...cur, metadata: { ...cur.metadata, labels: apply(cur.metadata.labels, `Pod ${key}`) } } } };
}

/** The Pod `kubectl run NAME` creates: label run=NAME (plus --labels), one container serving TCP 80 unless ports are given. */
export function runPod(name: string, ns: string, node: string | undefined, labels: Readonly<Record<string, string>>, ports: ReadonlyArray<{ port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }>): K8sPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { run: name, ...labels } },
    spec: { ...(node ? { nodeName: node } : {}), serviceAccountName: 'default', containers: [{ name, image: 'gingham-lab/pod-test', ...(ports.length ? { ports: ports.map((x) => ({ containerPort: x.port, protocol: x.protocol })) } : {}) }] },
  };
}

