// AdminNetworkPolicy and BaselineAdminNetworkPolicy as Calico GlobalNetworkPolicies, following libcalico-go
// lib/backend/k8s/conversion/conversion.go at v3.31.0 (K8sAdminNetworkPolicyToCalico,
// K8sBaselineAdminNetworkPolicyToCalico, combinePortsWithANP{Ingress,Egress}Peers, unpackANPPorts):
//   - an ANP becomes `kanp.adminnetworkpolicy.<name>` at order = priority, the BANP `kbanp.baselineadminnetworkpolicy.
//     default` at order 1000; the subject becomes the policy's namespaceSelector and selector (the orchestrator test,
//     so host endpoints are never subjects); types are the directions that have rules (the tiers pass by default);
//   - each rule keeps its place: one Calico rule per (protocol x peer), ports grouped by protocol and simplified as for
//     a NetworkPolicy, the rule's name kept in the annotation `name`;
//   - a rule that cannot be converted fails closed: Deny or Pass becomes a deny-all rule, Allow is dropped; a warning
//     names the policy and the rule. `nodes` and `domainNames` peers are such rules, as in Calico (it has no node or
//     DNS matching for them).
// The tiers are Calico's current names (v3.32 names.KubeAdminTierName, KubeBaselineTierName: `kube-admin` order 1000,
// `kube-baseline` order 10,000,000, both Pass); v3.31 called them `adminnetworkpolicy` and `baselineadminnetworkpolicy`
// (LEGACY_ADMIN_TIERS), which Gingham reads as the same tiers. One deliberate difference: a namedPort (experimental)
// is a Calico named port matched under TCP, UDP and SCTP (whichever protocol the pod's container port has), where
// v3.31 read it as "all ports" (its TODO) and v3.32 writes a protocol-less named port.
import { GinghamError } from '../../lib/errors';
import { canonicalCidr } from '../../lib/ip';
import type { GlobalNetworkPolicy } from '../kind-global-network-policy';
import { API_VERSION } from '../meta';
import type { EntityRule, PolicyRule, PolicyType } from '../policy-common';
import type { AdminEgressPeer, AdminIngressPeer, AdminPort, AnyAdminPolicy } from './admin-types';
import { convertUid, k8sSelectorToCalico, simplifyPorts } from './conversion';

export const KUBE_ADMIN_TIER = 'kube-admin';
export const KUBE_BASELINE_TIER = 'kube-baseline';
/** Calico v3.30/v3.31's names of the same tiers (names.AdminNetworkPolicyTierName, BaselineAdminNetworkPolicyTierName). */
export const LEGACY_ADMIN_TIERS: Readonly<Record<string, string>> = { adminnetworkpolicy: KUBE_ADMIN_TIER, baselineadminnetworkpolicy: KUBE_BASELINE_TIER };
/** names.K8sAdminNetworkPolicyNamePrefix, K8sBaselineAdminNetworkPolicyNamePrefix. */
export const ANP_NAME_PREFIX = 'kanp.adminnetworkpolicy.';
export const BANP_NAME_PREFIX = 'kbanp.baselineadminnetworkpolicy.';
/** The BANP's order in its tier (a constant in Calico: the tier holds one policy). */
export const BANP_ORDER = 1000;
/** conversion/constants.go AdminPolicyRuleNameLabel: the rule-metadata annotation that keeps a rule's name. */
export const ADMIN_RULE_NAME_ANNOTATION = 'name';

/** One rule that could not be converted and what took its place. */
export interface AdminConversionWarning {
  readonly policy: string;
  readonly direction: 'ingress' | 'egress';
  readonly index: number;
  readonly ruleName?: string;
  readonly reason: string;
  readonly replacedBy: 'deny-all' | 'nothing';
}

export interface AdminConversion {
  readonly policy: GlobalNetworkPolicy;
  readonly warnings: readonly AdminConversionWarning[];
}

/** "AdminNetworkPolicy deny-web: spec.egress[2] (\"to-nodes\"): nodes peers are not supported: replaced by a deny-all rule". */
export function describeAdminWarning(w: AdminConversionWarning): string {
  const rule = `spec.${w.direction}[${w.index}]${w.ruleName ? ` ("${w.ruleName}")` : ''}`;
  const fate = w.replacedBy === 'deny-all' ? 'replaced by a deny-all rule (fail closed)' : 'dropped (fail closed)';
  return `${w.policy}: ${rule} cannot be converted: ${w.reason}: ${fate}`;
}

/** The Calico policy name an admin policy becomes; the inverse is adminPolicyOf. */
export function adminPolicyName(kind: AnyAdminPolicy['kind'], name: string): string {
  return (kind === 'AdminNetworkPolicy' ? ANP_NAME_PREFIX : BANP_NAME_PREFIX) + name;
}

/** The admin policy a converted GlobalNetworkPolicy name stands for, or undefined for any other name. */
export function adminPolicyOf(gnpName: string): { kind: AnyAdminPolicy['kind']; name: string } | undefined {
  if (gnpName.startsWith(ANP_NAME_PREFIX)) return { kind: 'AdminNetworkPolicy', name: gnpName.slice(ANP_NAME_PREFIX.length) };
  if (gnpName.startsWith(BANP_NAME_PREFIX)) return { kind: 'BaselineAdminNetworkPolicy', name: gnpName.slice(BANP_NAME_PREFIX.length) };
  return undefined;
}

/** A rule Calico's conversion cannot express; caught per rule and turned into the fail-closed rule with a warning. */
class Unconvertible extends GinghamError {
  constructor(message: string) {
    super('ADMIN_POLICY_RULE_UNCONVERTIBLE', message);
  }
}

type CalicoPort = number | string;
const NAMED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/**
 * unpackANPPorts: protocol -> ports (undefined = every port of it); '' -> undefined means any protocol. A port entry
 * without any field (a CRD newer than this code) reads as all traffic, as Calico's zero struct does.
 */
function unpackPorts(ports: readonly AdminPort[] | undefined): Map<string, CalicoPort[] | undefined> {
  const out = new Map<string, CalicoPort[] | undefined>();
  for (const port of ports?.length ? ports : [{}]) {
    const add = (proto: string, p: CalicoPort): void => {
      if (!out.has(proto)) out.set(proto, [p]);
      else out.get(proto)?.push(p); // an existing undefined (all ports) stays
    };
    if (port.portNumber) add(port.portNumber.protocol ?? 'TCP', port.portNumber.port);
    else if (port.portRange) {
      if (port.portRange.start > port.portRange.end) throw new Unconvertible(`port range ${port.portRange.start}-${port.portRange.end} is empty`);
      add(port.portRange.protocol ?? 'TCP', `${port.portRange.start}:${port.portRange.end}`);
    } else if (port.namedPort !== undefined) for (const proto of NAMED_PORT_PROTOCOLS) add(proto, port.namedPort);
    else {
      out.clear();
      out.set('', undefined);
      break;
    }
  }
  return out;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** combinePortsWithANP*Peers: one rule per protocol (sorted) and peer, in that nesting. */
function combine<P>(
  action: PolicyRule['action'],
  ruleName: string | undefined,
  ports: readonly AdminPort[] | undefined,
  peers: readonly P[],
  place: (rule: PolicyRule, peer: P, ports: EntityRule) => void,
): PolicyRule[] {
  const byProto = unpackPorts(ports);
  const rules: PolicyRule[] = [];
  for (const proto of [...byProto.keys()].sort(byteOrder)) {
    const list = byProto.get(proto);
    const calicoPorts = list ? simplifyPorts(list) : undefined;
    for (const peer of peers) {
      const rule: PolicyRule = { action };
      if (ruleName) rule.metadata = { annotations: { [ADMIN_RULE_NAME_ANNOTATION]: ruleName } };
      if (proto) rule.protocol = proto;
      place(rule, peer, calicoPorts?.length ? { ports: calicoPorts } : {});
      rules.push(rule);
    }
  }
  return rules;
}

function ingressPeer(peer: AdminIngressPeer): EntityRule {
  if (peer.pods) return { selector: k8sSelectorToCalico(peer.pods.podSelector, 'pod'), namespaceSelector: k8sSelectorToCalico(peer.pods.namespaceSelector, 'namespace') };
  if (peer.namespaces) return { namespaceSelector: k8sSelectorToCalico(peer.namespaces, 'namespace') };
  throw new Unconvertible("none of the supported fields in 'from' is set");
}

function egressPeer(peer: AdminEgressPeer): EntityRule {
  if (peer.pods) return { selector: k8sSelectorToCalico(peer.pods.podSelector, 'pod'), namespaceSelector: k8sSelectorToCalico(peer.pods.namespaceSelector, 'namespace') };
  if (peer.namespaces) return { namespaceSelector: k8sSelectorToCalico(peer.namespaces, 'namespace') };
  if (peer.networks?.length) {
    try {
      return { nets: peer.networks.map(canonicalCidr) };
    } catch {
      throw new Unconvertible(`invalid CIDR in networks ${JSON.stringify(peer.networks)}`);
    }
  }
  if (peer.nodes) throw new Unconvertible('nodes peers are not supported');
  if (peer.domainNames) throw new Unconvertible('domainNames peers are not supported');
  throw new Unconvertible("none of the supported fields in 'to' is set");
}

const ACTIONS: Readonly<Record<AnyAdminPolicy['kind'], readonly string[]>> = {
  AdminNetworkPolicy: ['Allow', 'Deny', 'Pass'],
  BaselineAdminNetworkPolicy: ['Allow', 'Deny'],
};

/** K8sAdminNetworkPolicyToCalico / K8sBaselineAdminNetworkPolicyToCalico. */
export function adminPolicyToCalico(pol: AnyAdminPolicy): AdminConversion {
  const warnings: AdminConversionWarning[] = [];
  const policyLabel = `${pol.kind} ${pol.metadata.name}`;
  const convert = <R extends { name?: string; action: string; ports?: AdminPort[] }>(direction: 'ingress' | 'egress', rules: readonly R[] | undefined, one: (r: R, action: PolicyRule['action']) => PolicyRule[]): PolicyRule[] => {
    const out: PolicyRule[] = [];
    (rules ?? []).forEach((r, index) => {
      try {
        if (!ACTIONS[pol.kind].includes(r.action)) throw new Unconvertible(`unsupported action "${r.action}"`);
        out.push(...one(r, r.action as PolicyRule['action']));
      } catch (err) {
        if (!(err instanceof Unconvertible)) throw err;
        // k8sANPHandleFailedRules: Deny and Pass fail closed as a deny-all rule, a failed Allow is dropped;
        // k8sBANPHandleFailedRules: only Deny (Pass is no BANP action).
        const denyAll = r.action === 'Deny' || (r.action === 'Pass' && pol.kind === 'AdminNetworkPolicy');
        if (denyAll) out.push({ action: 'Deny' });
        warnings.push({ policy: policyLabel, direction, index, ...(r.name ? { ruleName: r.name } : {}), reason: err.message, replacedBy: denyAll ? 'deny-all' : 'nothing' });
      }
    });
    return out;
  };
  const ingress = convert('ingress', pol.spec.ingress, (r, action) =>
    combine(action, r.name, r.ports, r.from, (rule, peer, ports) => {
      rule.source = ingressPeer(peer);
      if (ports.ports) rule.destination = ports;
    }),
  );
  const egress = convert('egress', pol.spec.egress, (r, action) =>
    combine(action, r.name, r.ports, r.to, (rule, peer, ports) => {
      rule.destination = { ...ports, ...egressPeer(peer) };
    }),
  );
  const subject = pol.spec.subject;
  const namespaceSelector = subject.pods ? k8sSelectorToCalico(subject.pods.namespaceSelector, 'namespace') : k8sSelectorToCalico(subject.namespaces, 'namespace');
  const selector = k8sSelectorToCalico(subject.pods?.podSelector, 'pod');
  const types: PolicyType[] = [...(ingress.length ? ['Ingress' as const] : []), ...(egress.length ? ['Egress' as const] : [])];
  const baseline = pol.kind === 'BaselineAdminNetworkPolicy';
  const m = pol.metadata;
  return {
    policy: {
      apiVersion: API_VERSION,
      kind: 'GlobalNetworkPolicy',
      metadata: {
        name: adminPolicyName(pol.kind, m.name),
        ...(m.uid ? { uid: convertUid(m.uid) } : {}),
        ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
        ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      },
      spec: {
        tier: baseline ? KUBE_BASELINE_TIER : KUBE_ADMIN_TIER,
        order: baseline ? BANP_ORDER : pol.spec.priority,
        ...(namespaceSelector ? { namespaceSelector } : {}),
        selector,
        ...(ingress.length ? { ingress } : {}),
        ...(egress.length ? { egress } : {}),
        ...(types.length ? { types } : {}),
      },
    },
    warnings,
  };
}
