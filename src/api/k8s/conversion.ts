// The one conversion from Kubernetes objects to Calico's model, used by the Kubernetes datastore, kube-controllers
// (etcd mode) and the lab alike. It follows libcalico-go/lib/backend/k8s/conversion/conversion.go (v3.31.0):
// K8sNetworkPolicyToCalico, k8sSelectorToCalico, k8sRuleToCalico, SimplifyPorts, NamespaceToProfile,
// ServiceAccountToProfile; and conversion/workload_endpoint_default.go for a pod's endpoint labels, profiles and
// named ports. Names come from libcalico-go/lib/names/policy.go (K8sNetworkPolicyNamePrefix "knp.default.").

import { canonicalCidr } from '../../lib/ip';
import type { NetworkPolicy } from '../kind-network-policy';
import type { Profile } from '../kind-profile';
import type { WorkloadEndpointPort } from '../kind-workload-endpoint';
import { API_VERSION, type ObjectMeta } from '../meta';
import type { EntityRule, PolicyRule, PolicyType } from '../policy-common';
import { defaultK8sNetworkPolicy } from './network-policy';
import type { K8sContainer, K8sNamespace, K8sNetworkPolicy, K8sPod, K8sServiceAccount, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort } from './types';

export const K8S_NETWORK_POLICY_PREFIX = 'knp.default.';
export const NAMESPACE_PROFILE_PREFIX = 'kns.';
export const SERVICE_ACCOUNT_PROFILE_PREFIX = 'ksa.';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';
/** conversion/constants.go NameLabel: matches a namespace or service account by name. */
export const NAME_LABEL = 'projectcalico.org/name';
export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const ORCHESTRATOR_K8S = 'k8s';
/** Every converted policy sits at this order in tier default ("This order might change in future"). */
export const K8S_POLICY_ORDER = 1000;

/**
 * A Kubernetes label selector as Calico selector text (k8sSelectorToCalico). Pod selectors are prefixed with the
 * orchestrator test; a namespace selector that is present but empty means all namespaces, "all()"; an absent
 * namespace selector is "" (the policy's own namespace).
 */
export function k8sSelectorToCalico(s: LabelSelector | undefined, type: 'pod' | 'namespace'): string {
  const parts: string[] = type === 'pod' ? [`${LABEL_ORCHESTRATOR} == '${ORCHESTRATOR_K8S}'`] : [];
  if (!s) return parts.join(' && ');
  const labels = s.matchLabels ?? {};
  if (type === 'namespace' && Object.keys(labels).length === 0 && (s.matchExpressions ?? []).length === 0) return 'all()';
  // Go's sort.Strings: byte order.
  for (const k of Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) parts.push(`${k} == '${labels[k]}'`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join("', '");
    if (e.operator === 'In') parts.push(`${e.key} in { '${values}' }`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} not in { '${values}' }`);
    else if (e.operator === 'Exists') parts.push(`has(${e.key})`);
    else if (e.operator === 'DoesNotExist') parts.push(`! has(${e.key})`);
  }
  return parts.join(' && ');
}

type CalicoPort = number | string;

function portRange(lo: number, hi: number): CalicoPort {
  return lo === hi ? lo : `${lo}:${hi}`;
}

/** numorstring.PortFromString's reading of a converted k8s port: a number, "min:max", or a name. */
function portBounds(p: CalicoPort): [number, number] | undefined {
  if (typeof p === 'number') return [p, p];
  const m = /^(\d+)(?::(\d+))?$/.exec(p);
  return m ? [Number(m[1]), Number(m[2] ?? m[1])] : undefined;
}

/**
 * SimplifyPorts: the fewest ranges covering the numeric ports, named ports passed through first in input order;
 * with at most one numeric port the input is returned unchanged.
 */
export function simplifyPorts(ports: readonly CalicoPort[]): CalicoPort[] {
  if (ports.length <= 1) return [...ports];
  const named: CalicoPort[] = [];
  const numeric: number[] = [];
  for (const p of ports) {
    const b = portBounds(p);
    if (!b) named.push(p);
    else for (let i = b[0]; i <= b[1]; i++) numeric.push(i);
  }
  if (numeric.length <= 1) return [...ports];
  numeric.sort((a, b) => a - b);
  const out = named;
  let i = 0;
  while (i < numeric.length) {
    const first = numeric[i] as number;
    let last = first;
    i++;
    while (i < numeric.length && (numeric[i] as number) <= last + 1) last = numeric[i++] as number;
    out.push(portRange(first, last));
  }
  return out;
}

/** k8sPortToCalico: "port" or "port:endPort"; a string that is all digits is a number, as numorstring reads it. */
function k8sPortToCalico(port: NetworkPolicyPort): CalicoPort | undefined {
  if (port.port === undefined) return undefined;
  const base = typeof port.port === 'string' && /^\d+$/.test(port.port) ? Number(port.port) : port.port;
  if (port.endPort !== undefined && typeof base === 'number') return portRange(base, port.endPort);
  return base;
}

function peerFields(peer: NetworkPolicyPeer | undefined): EntityRule {
  if (!peer) return {};
  if (peer.ipBlock) {
    const out: EntityRule = { nets: [canonicalCidr(peer.ipBlock.cidr)] };
    if (peer.ipBlock.except?.length) out.notNets = peer.ipBlock.except.map(canonicalCidr);
    return out;
  }
  const out: EntityRule = { selector: k8sSelectorToCalico(peer.podSelector, 'pod') };
  const ns = k8sSelectorToCalico(peer.namespaceSelector, 'namespace');
  if (ns) out.namespaceSelector = ns;
  return out;
}

/**
 * k8sRuleToCalico: one Allow rule per (protocol × peer). Ports are grouped by protocol (TCP when unset) and
 * simplified; a port entry without a port allows the whole protocol; no ports at all means any protocol.
 */
export function k8sRuleToCalico(peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined, ingress: boolean): PolicyRule[] {
  const byProtocol = new Map<string, CalicoPort[] | undefined>();
  for (const port of ports?.length ? ports : [undefined]) {
    if (!port) {
      byProtocol.clear();
      byProtocol.set('', undefined);
      break;
    }
    const proto = port.protocol ?? 'TCP';
    const p = k8sPortToCalico(port);
    // A protocol listed without a port allows all its ports; that wins over any port list for it.
    if (p === undefined) byProtocol.set(proto, undefined);
    else if (!byProtocol.has(proto)) byProtocol.set(proto, [p]);
    else byProtocol.get(proto)?.push(p);
  }
  const rules: PolicyRule[] = [];
  const protocols = [...byProtocol.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const proto of protocols) {
    const list = byProtocol.get(proto);
    const calicoPorts = list ? simplifyPorts(list) : undefined;
    for (const peer of peers?.length ? peers : [undefined]) {
      const entity = peerFields(peer);
      const rule: PolicyRule = { action: 'Allow' };
      if (proto) rule.protocol = proto;
      const portsPart: EntityRule = calicoPorts?.length ? { ports: calicoPorts } : {};
      if (ingress) {
        if (Object.keys(entity).length) rule.source = entity;
        if (portsPart.ports) rule.destination = portsPart;
      } else {
        const dst = { ...portsPart, ...entity };
        if (Object.keys(dst).length) rule.destination = dst;
      }
      rules.push(rule);
    }
  }
  return rules;
}

/** ConvertUID: a derived object's UID with every byte's bits reversed except the UUID version and variant bytes. */
export function convertUid(uid: string): string {
  const hex = uid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`"${uid}" is not a UUID`);
  const bytes = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    let b = bytes[i] as number;
    let r = 0;
    for (let bit = 0; bit < 8; bit++) {
      r = (r << 1) | (b & 1);
      b >>= 1;
    }
    out[i] = r;
  }
  out[6] = bytes[6] as number;
  out[8] = bytes[8] as number;
  const h = out.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function derivedMeta(name: string, src: ObjectMeta, namespace?: string): ObjectMeta {
  const meta: ObjectMeta = { name };
  if (namespace) meta.namespace = namespace;
  if (src.uid) meta.uid = convertUid(src.uid);
  if (src.creationTimestamp) meta.creationTimestamp = src.creationTimestamp;
  return meta;
}

/**
 * K8sNetworkPolicyToCalico: `knp.default.<name>` in the policy's namespace, tier default, order 1000, selector =
 * orchestrator + podSelector. The API server's defaults are applied first (an object read without an API server
 * would otherwise lose its Egress type); Calico's own fallback for missing types is then [Ingress].
 */
export function k8sNetworkPolicyToCalico(np: K8sNetworkPolicy): NetworkPolicy {
  const d = defaultK8sNetworkPolicy(np);
  const ingress = (d.spec.ingress ?? []).flatMap((r) => k8sRuleToCalico(r.from, r.ports, true));
  const egress = (d.spec.egress ?? []).flatMap((r) => k8sRuleToCalico(r.to, r.ports, false));
  const types: PolicyType[] = [];
  if (d.spec.policyTypes?.includes('Ingress')) types.push('Ingress');
  if (d.spec.policyTypes?.includes('Egress')) types.push('Egress');
  if (types.length === 0) types.push('Ingress');
  const metadata = derivedMeta(K8S_NETWORK_POLICY_PREFIX + d.metadata.name, d.metadata, d.metadata.namespace ?? 'default');
  if (d.metadata.resourceVersion) metadata.resourceVersion = d.metadata.resourceVersion;
  return {
    apiVersion: API_VERSION,
    kind: 'NetworkPolicy',
    metadata,
    spec: {
      tier: 'default',
      order: K8S_POLICY_ORDER,
      selector: k8sSelectorToCalico(d.spec.podSelector, 'pod'),
      ...(ingress.length ? { ingress } : {}),
      ...(egress.length ? { egress } : {}),
      types,
    },
  };
}

/** The namespace a `kns.` profile stands for (ProfileNameToNamespace); undefined for other profiles. */
export function profileNameToNamespace(profile: string): string | undefined {
  return profile.startsWith(NAMESPACE_PROFILE_PREFIX) ? profile.slice(NAMESPACE_PROFILE_PREFIX.length) : undefined;
}

export function serviceAccountProfileName(namespace: string, sa: string): string {
  return `${SERVICE_ACCOUNT_PROFILE_PREFIX}${namespace || 'default'}.${sa}`;
}

/** NamespaceToProfile: `kns.<ns>`, allow-all rules both ways, the namespace's labels as `pcns.*` plus its name. */
export function namespaceToProfile(ns: K8sNamespace): Profile {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ns.metadata.labels ?? {})) labels[NAMESPACE_LABEL_PREFIX + k] = v;
  labels[NAMESPACE_LABEL_PREFIX + NAME_LABEL] = ns.metadata.name;
  return {
    apiVersion: API_VERSION,
    kind: 'Profile',
    metadata: derivedMeta(NAMESPACE_PROFILE_PREFIX + ns.metadata.name, ns.metadata),
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply: labels },
  };
}

/** ServiceAccountToProfile: `ksa.<ns>.<sa>` with the account's labels as `pcsa.*` plus its name; no rules. */
export function serviceAccountToProfile(sa: K8sServiceAccount): Profile {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sa.metadata.labels ?? {})) labels[SERVICE_ACCOUNT_LABEL_PREFIX + k] = v;
  labels[SERVICE_ACCOUNT_LABEL_PREFIX + NAME_LABEL] = sa.metadata.name;
  return {
    apiVersion: API_VERSION,
    kind: 'Profile',
    metadata: derivedMeta(serviceAccountProfileName(sa.metadata.namespace ?? 'default', sa.metadata.name), sa.metadata),
    spec: { labelsToApply: labels },
  };
}

/** A pod endpoint's labels: the pod's own plus namespace, orchestrator and (if < 63 chars) service account. */
export function podEndpointLabels(pod: Pick<K8sPod, 'metadata' | 'spec'>): Record<string, string> {
  const ns = pod.metadata.namespace || 'default';
  const labels: Record<string, string> = { ...(pod.metadata.labels ?? {}), [LABEL_NAMESPACE]: ns, [LABEL_ORCHESTRATOR]: ORCHESTRATOR_K8S };
  const sa = pod.spec.serviceAccountName;
  if (sa && sa.length < 63) labels[LABEL_SERVICE_ACCOUNT] = sa;
  return labels;
}

/** The profiles a pod endpoint inherits from, in Calico's order: namespace, then service account. */
export function podProfiles(pod: Pick<K8sPod, 'metadata' | 'spec'>): string[] {
  const ns = pod.metadata.namespace || 'default';
  const sa = pod.spec.serviceAccountName;
  return [NAMESPACE_PROFILE_PREFIX + ns, ...(sa ? [serviceAccountProfileName(ns, sa)] : [])];
}

/**
 * appendEndpointPorts: container and init-container ports that a policy or a hostPort can refer to (named, or with
 * a hostPort), protocol lower-cased as numorstring stores it; unknown protocols are skipped.
 */
export function podEndpointPorts(pod: Pick<K8sPod, 'spec'>): WorkloadEndpointPort[] {
  const out: WorkloadEndpointPort[] = [];
  const containers: K8sContainer[] = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  for (const c of containers) {
    for (const port of c.ports ?? []) {
      if (!port.containerPort || (!port.hostPort && !port.name)) continue;
      const proto = (port.protocol ?? 'TCP').toUpperCase();
      if (!['TCP', 'UDP', 'SCTP'].includes(proto)) continue;
      out.push({
        name: port.name ?? '',
        protocol: proto.toLowerCase(),
        port: port.containerPort,
        ...(port.hostPort ? { hostPort: port.hostPort } : {}),
        ...(port.hostIP ? { hostIP: port.hostIP } : {}),
      });
    }
  }
  return out;
}
