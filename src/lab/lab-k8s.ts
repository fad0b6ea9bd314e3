// The Kubernetes objects a tutorial reader creates with kubectl, as the lab keeps them (it plays the API server):
// v1 Namespace, Pod and Service, apps/v1 Deployment, networking.k8s.io/v1 NetworkPolicy. Pure: decoding with the API
// server's defaults, a Deployment's pods named as its ReplicaSet names them, replicas spread over the nodes, ClusterIPs
// from the service range, and the Calico objects kube-controllers would write for them (src/api/k8s does the
// conversion). The shell that makes pods, servers and DNAT maps out of this is lab-cluster.ts.
import { GinghamError } from '../lib/errors';
import { createHash } from 'node:crypto';
import { Problems } from '../api/errors';
import {
  decodeK8sNetworkPolicy,
  decodeNamespace,
  decodePod,
  defaultK8sNetworkPolicy,
  k8sNetworkPolicyToCalico,
  namespaceToProfile,
  NAMESPACE_NAME_LABEL,
  serviceAccountToProfile,
  type K8sNamespace,
  type K8sNetworkPolicy,
  type K8sPod,
} from '../api/k8s';

/** The service range (kube-apiserver's --service-cluster-ip-range default in kubeadm). */
export const SERVICE_CIDR = '10.96.0.0/12';
const SERVICE_BASE = (10 << 24) | (96 << 16);
const SERVICE_SIZE = 1 << 20;

export interface LabServicePort {
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
}

export interface LabService {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly metadata: { name: string; namespace: string; labels?: Record<string, string> };
  readonly spec: { selector?: Record<string, string>; clusterIP?: string; ports: LabServicePort[]; type?: string };
}

export interface LabDeployment {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: { name: string; namespace: string; labels?: Record<string, string> };
  readonly spec: { replicas: number; selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: K8sPod['spec'] } };
}

/** Everything the lab's API server holds, keyed `ns/name` (namespaces by name). */
export interface LabCluster {
  readonly namespaces: Readonly<Record<string, K8sNamespace>>;
  readonly pods: Readonly<Record<string, K8sPod>>;
  readonly deployments: Readonly<Record<string, LabDeployment>>;
  readonly services: Readonly<Record<string, LabService>>;
  readonly networkPolicies: Readonly<Record<string, K8sNetworkPolicy>>;
}

export const emptyCluster = (): LabCluster => ({ namespaces: {}, pods: {}, deployments: {}, services: {}, networkPolicies: {} });

export type LabK8sObject = K8sNamespace | K8sPod | LabDeployment | LabService | K8sNetworkPolicy;

export class LabObjectError extends GinghamError {
  constructor(message: string) {
    super('LabObjectInvalid', message);
  }
}

const K8S_KINDS: Record<string, string> = { 'v1/Namespace': 'Namespace', 'v1/Pod': 'Pod', 'v1/Service': 'Service', 'apps/v1/Deployment': 'Deployment', 'networking.k8s.io/v1/NetworkPolicy': 'NetworkPolicy' };

/** True for the Kubernetes kinds the lab keeps itself; everything else goes to `gingham apply`. */
export function isLabK8sKind(doc: unknown): boolean {
  const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
  return typeof d?.apiVersion === 'string' && typeof d.kind === 'string' && `${d.apiVersion}/${d.kind}` in K8S_KINDS;
}

const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
const labelsOf = (v: unknown, field: string, p: Problems): Record<string, string> | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Object.values(v).some((x) => typeof x !== 'string')) {
    p.add(field, 'must be a map of strings');
    return undefined;
  }
  return v as Record<string, string>;
};

function decodeService(raw: Record<string, unknown>): LabService {
  const p = new Problems();
  const meta = (raw.metadata ?? {}) as Record<string, unknown>;
  const spec = (raw.spec ?? {}) as Record<string, unknown>;
  if (!str(meta.name)) p.add('metadata.name', 'is required');
  const selector = labelsOf(spec.selector, 'spec.selector', p);
  const ports = Array.isArray(spec.ports) ? (spec.ports as Array<Record<string, unknown>>) : [];
  if (ports.length === 0) p.add('spec.ports', 'is required');
  const out: LabServicePort[] = ports.map((x, i) => {
    const protocol = (x.protocol ?? 'TCP') as LabServicePort['protocol'];
    if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) p.add(`spec.ports[${i}].protocol`, 'must be TCP, UDP or SCTP');
    if (!Number.isInteger(x.port) || (x.port as number) < 1 || (x.port as number) > 65535) p.add(`spec.ports[${i}].port`, 'must be between 1 and 65535');
    const targetPort = x.targetPort === undefined ? (x.port as number) : (x.targetPort as number | string);
    if (typeof targetPort !== 'number' && !str(targetPort)) p.add(`spec.ports[${i}].targetPort`, 'must be a port number or name');
    return { ...(str(x.name) ? { name: x.name } : {}), protocol, port: x.port as number, targetPort };
  });
  if (spec.clusterIP !== undefined && spec.clusterIP !== 'None' && (typeof spec.clusterIP !== 'string' || !inServiceRange(spec.clusterIP))) p.add('spec.clusterIP', `must be an address in ${SERVICE_CIDR}`);
  if (spec.clusterIP === 'None') p.add('spec.clusterIP', 'headless services are not supported by the lab');
  p.throwIfAny('Service', String(meta.name ?? ''));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: meta.name as string, namespace: str(meta.namespace) ? meta.namespace : 'default', ...(meta.labels ? { labels: meta.labels as Record<string, string> } : {}) },
    spec: { ...(selector ? { selector } : {}), ...(str(spec.clusterIP) ? { clusterIP: spec.clusterIP } : {}), ports: out, type: 'ClusterIP' },
  };
}

function decodeDeployment(raw: Record<string, unknown>): LabDeployment {
  const p = new Problems();
  const meta = (raw.metadata ?? {}) as Record<string, unknown>;
  const spec = (raw.spec ?? {}) as Record<string, unknown>;
  if (!str(meta.name)) p.add('metadata.name', 'is required');
  const replicas = spec.replicas === undefined ? 1 : spec.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0 || (replicas as number) > 50) p.add('spec.replicas', 'must be an integer 0..50 in the lab');
  const selector = ((spec.selector ?? {}) as { matchLabels?: unknown }).matchLabels;
  const matchLabels = labelsOf(selector, 'spec.selector.matchLabels', p) ?? {};
  if (Object.keys(matchLabels).length === 0) p.add('spec.selector.matchLabels', 'is required');
  const template = (spec.template ?? {}) as { metadata?: { labels?: unknown }; spec?: unknown };
  const tlabels = labelsOf(template.metadata?.labels, 'spec.template.metadata.labels', p) ?? {};
  for (const [k, v] of Object.entries(matchLabels)) if (tlabels[k] !== v) p.add('spec.template.metadata.labels', `must match spec.selector (${k}=${v})`);
  p.throwIfAny('Deployment', String(meta.name ?? ''));
  const ns = str(meta.namespace) ? meta.namespace : 'default';
  // The pod template is validated as a Pod is (container ports, protocols).
  const pod = decodePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${meta.name as string}-template`, namespace: ns, labels: tlabels }, spec: template.spec });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: meta.name as string, namespace: ns, ...(meta.labels ? { labels: meta.labels as Record<string, string> } : {}) },
    spec: { replicas: replicas as number, selector: { matchLabels }, template: { metadata: { labels: tlabels }, spec: pod.spec } },
  };
}

/** Decodes one manifest object of a lab kind with the API server's defaults; throws ValidationError naming the field. */
export function decodeLabObject(raw: unknown): LabK8sObject {
  const d = raw as Record<string, unknown>;
  switch (K8S_KINDS[`${String(d.apiVersion)}/${String(d.kind)}`]) {
    case 'Namespace':
      return decodeNamespace(raw);
    case 'Pod':
      return decodePod(raw);
    case 'Service':
      return decodeService(d);
    case 'Deployment':
      return decodeDeployment(d);
    case 'NetworkPolicy': {
      const np = defaultK8sNetworkPolicy(decodeK8sNetworkPolicy(raw));
      return { ...np, metadata: { ...np.metadata, namespace: np.metadata.namespace || 'default' } };
    }
    default:
      throw new LabObjectError(`${String(d.apiVersion)} ${String(d.kind)} is not a kind the lab keeps`);
  }
}

export const keyOf = (o: { metadata: { name: string; namespace?: string } }, namespaced = true): string => (namespaced ? `${o.metadata.namespace || 'default'}/${o.metadata.name}` : o.metadata.name);

/** The pod-template-hash a Deployment's ReplicaSet carries (controller.ComputeHash: FNV-32a, then SafeEncodeString). */
export function podTemplateHash(d: LabDeployment): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(JSON.stringify(d.spec.template))) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return safeEncode(String(h));
}

/** k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncode(s: string): string {
  return [...Buffer.from(s)].map((b) => ALPHANUMS[b % ALPHANUMS.length]).join('');
}

/** rand.String(n) over the same alphabet, from an injected source of random numbers in [0, 1). */
export function randomSuffix(random: () => number, n = 5): string {
  return Array.from({ length: n }, () => ALPHANUMS[Math.floor(random() * ALPHANUMS.length)]).join('');
}

/**
 * The pods a Deployment wants given the ones it has: keeps existing pods of the current template (as many as
 * replicas), names new ones `<deploy>-<hash>-<5 chars>` with the template's labels plus pod-template-hash, and puts
 * each on the node with the fewest pods (ties: node order), as the scheduler's spreading does on an empty cluster.
 */
export function deploymentPods(d: LabDeployment, existing: readonly K8sPod[], podsPerNode: Readonly<Record<string, number>>, nodes: readonly string[], random: () => number): K8sPod[] {
  const hash = podTemplateHash(d);
  const mine = existing.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
  const kept = mine.slice(0, d.spec.replicas);
  const load = { ...Object.fromEntries(nodes.map((n) => [n, 0])), ...podsPerNode };
  const taken = new Set(existing.map((p) => p.metadata.name));
  const out = [...kept];
  while (out.length < d.spec.replicas) {
    let name: string;
    do name = `${d.metadata.name}-${hash}-${randomSuffix(random)}`;
    while (taken.has(name));
    taken.add(name);
    const node = [...nodes].sort((a, b) => (load[a] ?? 0) - (load[b] ?? 0) || nodes.indexOf(a) - nodes.indexOf(b))[0]!;
    load[node] = (load[node] ?? 0) + 1;
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: d.metadata.namespace, labels: { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${d.metadata.name}-${hash}`, uid: '', controller: true }] } as K8sPod['metadata'],
      spec: { ...d.spec.template.spec, nodeName: node },
    });
  }
  return out;
}

export function inServiceRange(ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && n >= SERVICE_BASE && n < SERVICE_BASE + SERVICE_SIZE;
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/**
 * A ClusterIP for a service: spec.clusterIP when given (an error if another service holds it), otherwise a free
 * address chosen from the range by a hash of ns/name (stable across re-applies). 10.96.0.0 and the API server's
 * 10.96.0.1 are never handed out.
 */
export function allocateClusterIP(svc: LabService, used: ReadonlyMap<string, string>): string {
  const key = keyOf(svc);
  if (svc.spec.clusterIP) {
    const holder = used.get(svc.spec.clusterIP);
    if (holder !== undefined && holder !== key) throw new LabObjectError(`Service ${key}: spec.clusterIP: ${svc.spec.clusterIP} is already allocated to ${holder}`);
    return svc.spec.clusterIP;
  }
  const start = createHash('sha256').update(key).digest().readUInt32BE(0) % SERVICE_SIZE;
  for (let i = 0; i < SERVICE_SIZE; i++) {
    const off = (start + i) % SERVICE_SIZE;
    if (off < 2 || off === SERVICE_SIZE - 1) continue;
    const ip = intToIp(SERVICE_BASE + off);
    const holder = used.get(ip);
    if (holder === undefined || holder === key) return ip;
  }
  throw new LabObjectError(`Service ${key}: the service range ${SERVICE_CIDR} is full`);
}

export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The target port of a service port on one pod: a number, or the pod's container port of that name (undefined: none). */
export function targetPortOn(sp: LabServicePort, pod: Pick<K8sPod, 'spec'>): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  for (const c of pod.spec.containers) for (const cp of c.ports ?? []) if (cp.name === sp.targetPort && (cp.protocol ?? 'TCP') === sp.protocol) return cp.containerPort;
  return undefined;
}

/** The ports a lab pod serves: every declared container port, or TCP 80 when it declares none. */
export function servedPorts(pod: Pick<K8sPod, 'spec'>): Array<{ port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }> {
  const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP' })));
  const seen = new Set<string>();
  const out = ports.filter((p) => !seen.has(`${p.protocol}/${p.port}`) && seen.add(`${p.protocol}/${p.port}`));
  return out.length > 0 ? out : [{ port: 80, protocol: 'TCP' }];
}

/** The namespace object for a name the cluster has not seen (`default`, or one a pod names), as the API server has it. */
export function implicitNamespace(name: string): K8sNamespace {
  return decodeNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } } });
}

/** The namespaces the API server makes at start-up; the first three it refuses to delete (the others can go). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
export const UNDELETABLE_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** The cluster's namespaces with every system namespace present (a state written before they all were gets them). */
export function withSystemNamespaces(c: LabCluster): LabCluster {
  const missing = SYSTEM_NAMESPACES.filter((n) => !c.namespaces[n]);
  return missing.length === 0 ? c : { ...c, namespaces: { ...Object.fromEntries(missing.map((n) => [n, implicitNamespace(n)])), ...c.namespaces } };
}

/**
 * What kube-controllers would write to etcd for the cluster: a `kns.` profile per namespace, a `ksa.` profile per
 * service account (each namespace's `default` and every one a pod names), and the converted policies. Every endpoint's
 * profiles exist, so an enforcing agent never drops a pod for a missing profile.
 */
export function calicoObjects(c: LabCluster): unknown[] {
  const out: unknown[] = [];
  const accounts = new Set<string>();
  for (const ns of Object.values(c.namespaces)) {
    out.push(namespaceToProfile(ns));
    accounts.add(`${ns.metadata.name}/default`);
  }
  for (const pod of Object.values(c.pods)) if (pod.spec.serviceAccountName) accounts.add(`${pod.metadata.namespace || 'default'}/${pod.spec.serviceAccountName}`);
  for (const a of accounts) {
    const [namespace, name] = a.split('/') as [string, string];
    out.push(serviceAccountToProfile({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }));
  }
  for (const np of Object.values(c.networkPolicies)) out.push(k8sNetworkPolicyToCalico(np));
  return out;
}
