// networking.k8s.io/v1 NetworkPolicy as the API server handles it: strict decoding, defaulting
// (k8s.io/kubernetes pkg/apis/networking/v1/defaults.go) and validation (pkg/apis/networking/validation
// ValidateNetworkPolicySpec), so a lab or a datastore without an API server stores what a cluster would store.

import { tryParseCidr, cidrContains, maskCidr } from '../../lib/ip';
import { checkLabels } from '../checks';
import { Problems } from '../errors';
import { clone, objectMetaShape } from '../meta';
import { arr, decodeShape, f, int, intOrStr, map, obj, str } from '../schema';
import { NETWORKING_API_VERSION, type K8sNetworkPolicy, type LabelSelector, type NetworkPolicyPeer, type NetworkPolicyPort } from './types';

export const labelSelectorShape = obj([
  f('matchLabels', map(str)),
  f('matchExpressions', arr(obj([f('key', str), f('operator', str), f('values', arr(str))]))),
]);
const peerShape = obj([
  f('podSelector', labelSelectorShape),
  f('namespaceSelector', labelSelectorShape),
  f('ipBlock', obj([f('cidr', str), f('except', arr(str))])),
]);
const portShape = obj([f('protocol', str), f('port', intOrStr), f('endPort', int)]);
/** The fields of a NetworkPolicy spec (StagedKubernetesNetworkPolicy's spec adds stagedAction). */
export const k8sNetworkPolicySpecFields = [
  f('podSelector', labelSelectorShape),
  f('ingress', arr(obj([f('from', arr(peerShape)), f('ports', arr(portShape))]))),
  f('egress', arr(obj([f('to', arr(peerShape)), f('ports', arr(portShape))]))),
  f('policyTypes', arr(str)),
];
const specShape = obj(k8sNetworkPolicySpecFields);
const policyShape = obj([f('apiVersion', str), f('kind', str), f('metadata', objectMetaShape), f('spec', specShape), f('status', obj([], true))]);

/** Decodes a manifest object strictly (unknown fields are errors) and validates it; throws ValidationError. */
export function decodeK8sNetworkPolicy(raw: unknown): K8sNetworkPolicy {
  const p = new Problems();
  const np = (decodeShape(raw, policyShape, '', p) ?? {}) as K8sNetworkPolicy;
  if (np.apiVersion !== NETWORKING_API_VERSION) p.add('apiVersion', `must be ${NETWORKING_API_VERSION}`);
  if (np.kind !== 'NetworkPolicy') p.add('kind', 'must be NetworkPolicy');
  np.metadata ??= { name: '' };
  np.spec ??= { podSelector: {} };
  validateK8sNetworkPolicy(np, p);
  p.throwIfAny('NetworkPolicy', np.metadata.name);
  return np;
}

/**
 * The API server's defaults: `policyTypes` absent or empty becomes [Ingress], plus Egress when `egress` has at
 * least one rule (SetDefaults_NetworkPolicy); a port without protocol gets TCP (SetDefaults_NetworkPolicyPort);
 * `podSelector` absent reads as `{}`.
 */
export function defaultK8sNetworkPolicy(np: K8sNetworkPolicy): K8sNetworkPolicy {
  const out = clone(np);
  out.spec ??= { podSelector: {} };
  out.spec.podSelector ??= {};
  if (!out.spec.policyTypes || out.spec.policyTypes.length === 0) {
    out.spec.policyTypes = ['Ingress'];
    if ((out.spec.egress?.length ?? 0) > 0) out.spec.policyTypes.push('Egress');
  }
  const defaultPorts = (ports: NetworkPolicyPort[] | undefined): void => ports?.forEach((port) => (port.protocol ??= 'TCP'));
  out.spec.ingress?.forEach((r) => defaultPorts(r.ports));
  out.spec.egress?.forEach((r) => defaultPorts(r.ports));
  return out;
}

const LABEL_OPS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** metav1 validation of a LabelSelector (ValidateLabelSelector). */
export function checkLabelSelector(p: Problems, path: string, s: LabelSelector | undefined): void {
  if (!s) return;
  checkLabels(p, `${path}.matchLabels`, s.matchLabels);
  s.matchExpressions?.forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    if (!e.key) p.add(`${at}.key`, 'is required');
    else checkLabels(p, `${at}.key`, { [e.key]: '' });
    if (!LABEL_OPS.includes(e.operator)) p.add(`${at}.operator`, `must be one of ${LABEL_OPS.join(', ')}`);
    const hasValues = (e.values?.length ?? 0) > 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && !hasValues) p.add(`${at}.values`, `must be specified when operator is ${e.operator}`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && hasValues) p.add(`${at}.values`, `may not be specified when operator is ${e.operator}`);
  });
}

function checkPort(p: Problems, at: string, port: NetworkPolicyPort): void {
  if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) p.add(`${at}.protocol`, 'must be TCP, UDP or SCTP');
  if (typeof port.port === 'number') {
    if (!Number.isInteger(port.port) || port.port < 1 || port.port > 65535) p.add(`${at}.port`, 'must be between 1 and 65535');
  } else if (typeof port.port === 'string' && !/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(port.port)) {
    p.add(`${at}.port`, `"${port.port}" is not a valid port name (IANA_SVC_NAME: 1-15 lower-case letters, digits and "-", at least one letter)`);
  }
  if (port.endPort !== undefined) {
    if (port.port === undefined) p.add(`${at}.endPort`, 'may not be specified when port is not specified');
    else if (typeof port.port === 'string') p.add(`${at}.endPort`, 'may not be specified when port is a named port');
    else if (port.endPort < port.port) p.add(`${at}.endPort`, 'must be greater than or equal to port');
    else if (port.endPort > 65535) p.add(`${at}.endPort`, 'must be between 1 and 65535');
  }
}

function checkPeer(p: Problems, at: string, peer: NetworkPolicyPeer): void {
  const selectors = (peer.podSelector ? 1 : 0) + (peer.namespaceSelector ? 1 : 0);
  if (peer.ipBlock) {
    if (selectors > 0) p.add(at, 'may not specify both ipBlock and another peer');
    const cidr = tryParseCidr(peer.ipBlock.cidr ?? '');
    if (!cidr) p.add(`${at}.ipBlock.cidr`, `"${peer.ipBlock.cidr ?? ''}" is not a valid CIDR`);
    peer.ipBlock.except?.forEach((e, i) => {
      const ex = tryParseCidr(e);
      if (!ex) p.add(`${at}.ipBlock.except[${i}]`, `"${e}" is not a valid CIDR`);
      else if (cidr && (ex.family !== cidr.family || ex.prefixLen <= cidr.prefixLen || !cidrContains(maskCidr(cidr), ex))) {
        p.add(`${at}.ipBlock.except[${i}]`, `must be a strict subset of ipBlock.cidr ${peer.ipBlock?.cidr}`);
      }
    });
  } else if (selectors === 0) {
    p.add(at, 'must specify a peer');
  }
  checkLabelSelector(p, `${at}.podSelector`, peer.podSelector);
  checkLabelSelector(p, `${at}.namespaceSelector`, peer.namespaceSelector);
}

/** ValidateNetworkPolicySpec's field rules; problems carry paths from the object root. */
export function validateK8sNetworkPolicy(np: K8sNetworkPolicy, p: Problems): void {
  if (!np.metadata.name) p.add('metadata.name', 'is required');
  const spec = np.spec;
  checkLabelSelector(p, 'spec.podSelector', spec.podSelector);
  spec.ingress?.forEach((r, i) => {
    r.ports?.forEach((port, j) => checkPort(p, `spec.ingress[${i}].ports[${j}]`, port));
    r.from?.forEach((peer, j) => checkPeer(p, `spec.ingress[${i}].from[${j}]`, peer));
  });
  spec.egress?.forEach((r, i) => {
    r.ports?.forEach((port, j) => checkPort(p, `spec.egress[${i}].ports[${j}]`, port));
    r.to?.forEach((peer, j) => checkPeer(p, `spec.egress[${i}].to[${j}]`, peer));
  });
  spec.policyTypes?.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') p.add(`spec.policyTypes[${i}]`, 'must be Ingress or Egress');
  });
  if ((spec.policyTypes?.length ?? 0) > 2 || new Set(spec.policyTypes).size !== (spec.policyTypes?.length ?? 0)) {
    p.add('spec.policyTypes', 'must hold each of Ingress and Egress at most once');
  }
}
