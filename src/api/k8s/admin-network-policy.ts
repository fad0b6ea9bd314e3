// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) as the API server handles
// them with the network-policy-api v0.1.7 CRDs installed: strict decoding, the CRD defaults (a port's protocol TCP)
// and the CRD's OpenAPI and CEL rules (priority 0..1000, at most 100 rules a direction, exactly one field in a subject,
// peer or port, 1..100 peers and ports, at most 25 networks, start < end, no named port with a networks/nodes/
// domainNames peer, the BANP named `default`). A lab or an etcd datastore without an API server thus stores only
// what a cluster would store. Problems carry paths from the object root.

import { tryParseCidr } from '../../lib/ip';
import { Problems } from '../errors';
import { clone, objectMetaShape } from '../meta';
import { arr, decodeShape, f, int, obj, str, type Shape } from '../schema';
import { BANP_NAME, POLICY_API_VERSION, type AdminEgressPeer, type AdminIngressPeer, type AdminNetworkPolicy, type AdminPort, type AdminSubject, type AnyAdminPolicy, type BaselineAdminNetworkPolicy, type NamespacedPod } from './admin-types';
import { checkLabelSelector, labelSelectorShape } from './network-policy';

const namespacedPodShape = obj([f('namespaceSelector', labelSelectorShape, true), f('podSelector', labelSelectorShape, true)]);
const subjectShape = obj([f('namespaces', labelSelectorShape, true), f('pods', namespacedPodShape)]);
const portShape = obj([
  f('portNumber', obj([f('protocol', str), f('port', int)])),
  f('namedPort', str),
  f('portRange', obj([f('protocol', str), f('start', int), f('end', int)])),
]);
const ingressPeerShape = obj([f('namespaces', labelSelectorShape, true), f('pods', namespacedPodShape)]);
const egressPeerFields = [f('namespaces', labelSelectorShape, true), f('pods', namespacedPodShape), f('nodes', labelSelectorShape, true), f('networks', arr(str))];
const ruleFields = [f('name', str), f('action', str), f('ports', arr(portShape))];

/** The spec shape of either kind; the BANP has no priority and no domainNames peer. */
export function adminSpecShape(baseline: boolean): Shape {
  const egressPeer = obj(baseline ? egressPeerFields : [...egressPeerFields, f('domainNames', arr(str))]);
  return obj([
    ...(baseline ? [] : [f('priority', int, true)]),
    f('subject', subjectShape),
    f('ingress', arr(obj([...ruleFields, f('from', arr(ingressPeerShape))]))),
    f('egress', arr(obj([...ruleFields, f('to', arr(egressPeer))]))),
  ]);
}

const statusShape = obj([], true);

function objectShape(baseline: boolean): Shape {
  return obj([f('apiVersion', str), f('kind', str), f('metadata', objectMetaShape), f('spec', adminSpecShape(baseline)), f('status', statusShape)]);
}

const MAX_RULES = 100;
const MAX_PEERS = 100;
const MAX_PORTS = 100;
const MAX_NETWORKS = 25;
const MAX_DOMAINS = 25;
const MAX_RULE_NAME = 100;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
// adminnetworkpolicy_types.go DomainName pattern (its `A-z` ranges kept: they are what the API server enforces).
const DOMAIN_NAME = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

/** Exactly one of `fields` set (the CRD's minProperties=1, maxProperties=1). */
function exactlyOne(p: Problems, at: string, o: object, fields: readonly string[]): void {
  const set = fields.filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  if (set.length !== 1) p.add(at, `must set exactly one of ${fields.join(', ')} (has ${set.length === 0 ? 'none' : set.join(', ')})`);
}

function checkCount(p: Problems, at: string, list: readonly unknown[] | undefined, min: number, max: number): void {
  if (list === undefined) return;
  if (list.length < min) p.add(at, `must have at least ${min} item${min === 1 ? '' : 's'}`);
  if (list.length > max) p.add(at, `must have at most ${max} items`);
}

function checkSubject(p: Problems, at: string, s: AdminSubject | undefined): void {
  if (!s) {
    p.add(at, 'is required');
    return;
  }
  exactlyOne(p, at, s, ['namespaces', 'pods']);
  checkLabelSelector(p, `${at}.namespaces`, s.namespaces);
  checkNamespacedPod(p, `${at}.pods`, s.pods);
}

/** A NamespacedPod: both selectors are required (`{}` selects all). */
function checkNamespacedPod(p: Problems, at: string, pods: NamespacedPod | undefined): void {
  if (!pods) return;
  for (const field of ['namespaceSelector', 'podSelector'] as const) {
    if (pods[field] === undefined) p.add(`${at}.${field}`, 'is required');
    else checkLabelSelector(p, `${at}.${field}`, pods[field]);
  }
}

function checkPortNumber(p: Problems, at: string, v: number | undefined): void {
  if (v === undefined) p.add(at, 'is required');
  else if (v < 1 || v > 65535) p.add(at, 'must be between 1 and 65535');
}

function checkPorts(p: Problems, at: string, ports: readonly AdminPort[] | undefined): void {
  checkCount(p, at, ports, 1, MAX_PORTS);
  ports?.forEach((port, i) => {
    const pat = `${at}[${i}]`;
    exactlyOne(p, pat, port, ['portNumber', 'namedPort', 'portRange']);
    const proto = port.portNumber?.protocol ?? port.portRange?.protocol;
    if (proto !== undefined && !PROTOCOLS.includes(proto)) p.add(`${pat}.${port.portNumber ? 'portNumber' : 'portRange'}.protocol`, 'must be TCP, UDP or SCTP');
    if (port.portNumber) checkPortNumber(p, `${pat}.portNumber.port`, port.portNumber.port);
    if (port.portRange) {
      checkPortNumber(p, `${pat}.portRange.start`, port.portRange.start);
      checkPortNumber(p, `${pat}.portRange.end`, port.portRange.end);
      if (port.portRange.start >= port.portRange.end) p.add(`${pat}.portRange`, 'start must be less than end');
    }
    if (port.namedPort !== undefined && port.namedPort === '') p.add(`${pat}.namedPort`, 'must not be empty');
  });
}

function checkIngressPeer(p: Problems, at: string, peer: AdminIngressPeer): void {
  exactlyOne(p, at, peer, ['namespaces', 'pods']);
  checkLabelSelector(p, `${at}.namespaces`, peer.namespaces);
  checkNamespacedPod(p, `${at}.pods`, peer.pods);
}

function checkEgressPeer(p: Problems, at: string, peer: AdminEgressPeer, baseline: boolean): void {
  exactlyOne(p, at, peer, baseline ? ['namespaces', 'pods', 'nodes', 'networks'] : ['namespaces', 'pods', 'nodes', 'networks', 'domainNames']);
  checkLabelSelector(p, `${at}.namespaces`, peer.namespaces);
  checkLabelSelector(p, `${at}.nodes`, peer.nodes);
  checkNamespacedPod(p, `${at}.pods`, peer.pods);
  checkCount(p, `${at}.networks`, peer.networks, 1, MAX_NETWORKS);
  peer.networks?.forEach((n, i) => {
    if (n.length > 43 || !tryParseCidr(n)) p.add(`${at}.networks[${i}]`, `"${n}": Invalid CIDR format provided`);
  });
  checkCount(p, `${at}.domainNames`, peer.domainNames, 1, MAX_DOMAINS);
  peer.domainNames?.forEach((d, i) => {
    if (!DOMAIN_NAME.test(d)) p.add(`${at}.domainNames[${i}]`, `"${d}" is not a domain name (an optional "*." and dot-separated labels)`);
  });
}

/** The CRD's rules for either kind (the BANP: Allow/Deny only, no priority, no domainNames, named `default`). */
export function validateAdminPolicy(pol: AnyAdminPolicy, p: Problems): void {
  const baseline = pol.kind === 'BaselineAdminNetworkPolicy';
  if (!pol.metadata.name) p.add('metadata.name', 'is required');
  else if (baseline && pol.metadata.name !== BANP_NAME) p.add('metadata.name', `Only one baseline admin network policy with metadata.name="${BANP_NAME}" can be created in the cluster`);
  if (pol.metadata.namespace) p.add('metadata.namespace', `must not be set: ${pol.kind} is cluster-scoped`);
  const spec = pol.spec;
  if (!baseline) {
    const prio = (spec as AdminNetworkPolicy['spec']).priority;
    if (prio === undefined) p.add('spec.priority', 'is required');
    else if (prio < 0 || prio > 1000) p.add('spec.priority', 'must be between 0 and 1000');
  }
  checkSubject(p, 'spec.subject', spec.subject);
  const actions = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  checkCount(p, 'spec.ingress', spec.ingress, 0, MAX_RULES);
  checkCount(p, 'spec.egress', spec.egress, 0, MAX_RULES);
  const checkRule = (at: string, r: { name?: string; action: string; ports?: AdminPort[] }): void => {
    if ((r.name?.length ?? 0) > MAX_RULE_NAME) p.add(`${at}.name`, `must be at most ${MAX_RULE_NAME} characters`);
    if (!actions.includes(r.action)) p.add(`${at}.action`, `must be one of ${actions.join(', ')}`);
    checkPorts(p, `${at}.ports`, r.ports);
  };
  spec.ingress?.forEach((r, i) => {
    const at = `spec.ingress[${i}]`;
    checkRule(at, r);
    if (r.from === undefined) p.add(`${at}.from`, 'is required');
    checkCount(p, `${at}.from`, r.from, 1, MAX_PEERS);
    r.from?.forEach((peer, j) => checkIngressPeer(p, `${at}.from[${j}]`, peer));
  });
  spec.egress?.forEach((r, i) => {
    const at = `spec.egress[${i}]`;
    checkRule(at, r);
    if (r.to === undefined) p.add(`${at}.to`, 'is required');
    checkCount(p, `${at}.to`, r.to, 1, MAX_PEERS);
    r.to?.forEach((peer, j) => checkEgressPeer(p, `${at}.to[${j}]`, peer, baseline));
    const noNamedPorts = r.to?.some((peer) => peer.networks !== undefined || peer.nodes !== undefined || peer.domainNames !== undefined);
    if (noNamedPorts && r.ports?.some((port) => port.namedPort !== undefined)) {
      p.add(`${at}`, `networks/nodes${baseline ? '' : '/domainNames'} peer cannot be set with namedPorts since there are no namedPorts for networks/nodes${baseline ? '' : '/domainNames'}`);
    }
  });
}

/** The CRD defaults: a portNumber's or portRange's protocol is TCP when not given. */
export function defaultAdminPolicy<P extends AnyAdminPolicy>(pol: P): P {
  const out = clone(pol);
  const fill = (ports: AdminPort[] | undefined): void =>
    ports?.forEach((port) => {
      if (port.portNumber) port.portNumber.protocol ??= 'TCP';
      if (port.portRange) port.portRange.protocol ??= 'TCP';
    });
  out.spec.ingress?.forEach((r) => fill(r.ports));
  out.spec.egress?.forEach((r) => fill(r.ports));
  return out;
}

function decodeAdmin<P extends AnyAdminPolicy>(raw: unknown, kind: P['kind']): P {
  const p = new Problems();
  const baseline = kind === 'BaselineAdminNetworkPolicy';
  const pol = (decodeShape(raw, objectShape(baseline), '', p) ?? {}) as P;
  if (pol.apiVersion !== POLICY_API_VERSION) p.add('apiVersion', `must be ${POLICY_API_VERSION}`);
  if (pol.kind !== kind) p.add('kind', `must be ${kind}`);
  pol.metadata ??= { name: '' };
  if (pol.spec === undefined) p.add('spec', 'is required');
  else validateAdminPolicy(pol, p);
  p.throwIfAny(kind, pol.metadata.name);
  return defaultAdminPolicy(pol);
}

/** Decodes a manifest object strictly, validates it as the CRD does and applies its defaults; throws ValidationError. */
export function decodeAdminNetworkPolicy(raw: unknown): AdminNetworkPolicy {
  return decodeAdmin<AdminNetworkPolicy>(raw, 'AdminNetworkPolicy');
}

export function decodeBaselineAdminNetworkPolicy(raw: unknown): BaselineAdminNetworkPolicy {
  return decodeAdmin<BaselineAdminNetworkPolicy>(raw, 'BaselineAdminNetworkPolicy');
}
