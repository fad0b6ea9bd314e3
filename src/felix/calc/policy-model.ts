// Calico v3 policies and profiles in the form the dataplane evaluates, as Calico's update processors produce it
// for Felix (libcalico-go/lib/backend/syncersv1/updateprocessors/{networkpolicyprocessor,
// globalnetworkpolicyprocessor,rules,selectors}.go): every selector made complete and absolute — a namespaced
// policy's selector ANDed with its namespace, namespace selectors rewritten onto the `pcns.` profile labels with
// all() = "in some namespace" and global() = "in none", service-account selectors onto `pcsa.`, and a rule
// selector of a namespaced policy limited to the policy's namespace unless it names namespaces itself.

import type { GlobalNetworkPolicy } from '../../api/kind-global-network-policy';
import type { NetworkPolicy } from '../../api/kind-network-policy';
import type { Profile } from '../../api/kind-profile';
import { LABEL_NAMESPACE, LABEL_SERVICE_ACCOUNT, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX } from '../../api/k8s/conversion';
import type { EntityRule, PolicyRule } from '../../api/policy-common';
import { parseSelector, printSelector, type SelectorNode } from '../../api/selector';

export type RuleAction = 'Allow' | 'Deny' | 'Log' | 'Pass';
export type Port = number | string;

export interface EntityModel {
  nets?: readonly string[];
  notNets?: readonly string[];
  /** Canonical selector text, absolute (namespace scoping already applied). */
  selector?: string;
  notSelector?: string;
  ports?: readonly Port[];
  notPorts?: readonly Port[];
}

export interface RuleModel {
  action: RuleAction;
  ipVersion?: 4 | 6;
  protocol?: string;
  notProtocol?: string;
  icmp?: { type?: number; code?: number };
  notICMP?: { type?: number; code?: number };
  src: EntityModel;
  dst: EntityModel;
}

export interface PolicyModel {
  /** `<namespace>/<name>` for namespaced policies, `<name>` for global ones (v1 PolicyKey names). */
  id: string;
  kind: 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'StagedKubernetesNetworkPolicy';
  name: string;
  namespace?: string;
  tier: string;
  order?: number;
  selector: string;
  ingress: boolean;
  egress: boolean;
  inbound: readonly RuleModel[];
  outbound: readonly RuleModel[];
  /**
   * Set for a staged policy (staged-policy-model.ts): the id of the enforced policy it stands in for in the staged
   * evaluation, and whether it is a stagedAction Delete (the evaluation as if that policy were gone; it selects
   * nothing itself).
   */
  staged?: { readonly replaces: string; readonly deletes: boolean };
}

export interface ProfileModel {
  name: string;
  labels: Readonly<Record<string, string>>;
  inbound: readonly RuleModel[];
  outbound: readonly RuleModel[];
}

const and = (...nodes: SelectorNode[]): SelectorNode => (nodes.length === 1 ? (nodes[0] as SelectorNode) : { op: 'and', operands: nodes });

/** Every label in the selector gets `prefix`; all() becomes has(allLabel), global() becomes !has(allLabel). */
function prefixed(node: SelectorNode, prefix: string, allLabel: string): SelectorNode {
  switch (node.op) {
    case 'all':
      return { op: 'has', label: allLabel };
    case 'global':
      return { op: 'not', operand: { op: 'has', label: allLabel } };
    case 'not':
      return { op: 'not', operand: prefixed(node.operand, prefix, allLabel) };
    case 'and':
    case 'or':
      return { op: node.op, operands: node.operands.map((n) => prefixed(n, prefix, allLabel)) };
    default:
      return { ...node, label: prefix + node.label };
  }
}

const nsIs = (ns: string): SelectorNode => ({ op: 'eq', label: LABEL_NAMESPACE, value: ns });

/** parseServiceAccounts: pcsa-prefixed selector ANDed with the account names. */
function serviceAccountNode(sa: EntityRule['serviceAccounts']): SelectorNode | undefined {
  if (!sa) return undefined;
  const parts: SelectorNode[] = [];
  if (sa.selector) parts.push(prefixed(parseSelector(sa.selector), SERVICE_ACCOUNT_LABEL_PREFIX, LABEL_SERVICE_ACCOUNT));
  if (sa.names?.length) parts.push({ op: 'in', label: LABEL_SERVICE_ACCOUNT, values: [...new Set(sa.names)].sort() });
  return parts.length ? and(...parts) : undefined;
}

/** getEndpointSelector: the absolute selector of a rule's source or destination ("" = no selector). */
export function entitySelector(e: EntityRule | undefined, namespace: string | undefined): string {
  if (!e) return '';
  let nsNode: SelectorNode | undefined;
  if (e.namespaceSelector) nsNode = prefixed(parseSelector(e.namespaceSelector), NAMESPACE_LABEL_PREFIX, LABEL_NAMESPACE);
  else if (namespace) nsNode = nsIs(namespace);
  const parts: SelectorNode[] = [];
  const sa = serviceAccountNode(e.serviceAccounts);
  if (sa) parts.push(sa);
  if (e.selector) parts.push(parseSelector(e.selector));
  let sel = parts.length ? and(...parts) : undefined;
  if (nsNode && (sel || e.notSelector || e.namespaceSelector)) sel = sel ? and(nsNode, sel) : nsNode;
  return sel ? printSelector(sel) : '';
}

function entity(e: EntityRule | undefined, namespace: string | undefined): EntityModel {
  const out: EntityModel = {};
  const sel = entitySelector(e, namespace);
  if (sel) out.selector = sel;
  if (e?.notSelector) out.notSelector = printSelector(parseSelector(e.notSelector));
  if (e?.nets?.length) out.nets = e.nets;
  if (e?.notNets?.length) out.notNets = e.notNets;
  if (e?.ports?.length) out.ports = e.ports;
  if (e?.notPorts?.length) out.notPorts = e.notPorts;
  return out;
}

/** Protocol numbers that have names are written as names, so equal protocols compare equal. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6', '132': 'sctp', '136': 'udplite' };

export function protocolText(p: number | string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const l = String(p).toLowerCase();
  return PROTOCOL_NAMES[l] ?? l;
}

export function ruleModel(r: PolicyRule, namespace: string | undefined): RuleModel {
  const out: RuleModel = { action: r.action, src: entity(r.source, namespace), dst: entity(r.destination, namespace) };
  if (r.ipVersion) out.ipVersion = r.ipVersion;
  const proto = protocolText(r.protocol);
  if (proto) out.protocol = proto;
  const notProto = protocolText(r.notProtocol);
  if (notProto) out.notProtocol = notProto;
  if (r.icmp) out.icmp = r.icmp;
  if (r.notICMP) out.notICMP = r.notICMP;
  return out;
}

function types(spec: { types?: readonly string[]; ingress?: readonly unknown[]; egress?: readonly unknown[] }): { ingress: boolean; egress: boolean } {
  // The backend reads empty types as both directions; the v3 clients default them before storing.
  if (!spec.types?.length) return { ingress: true, egress: true };
  return { ingress: spec.types.includes('Ingress'), egress: spec.types.includes('Egress') };
}

/** NetworkPolicy (incl. converted Kubernetes ones): selector ANDed with the namespace, then service accounts. */
export function networkPolicyModel(p: NetworkPolicy): PolicyModel {
  const spec = p.spec ?? {};
  const ns = p.metadata.namespace ?? 'default';
  let sel: SelectorNode = spec.selector ? and(parseSelector(spec.selector), nsIs(ns)) : nsIs(ns);
  if (spec.serviceAccountSelector) sel = and(sel, prefixed(parseSelector(spec.serviceAccountSelector), SERVICE_ACCOUNT_LABEL_PREFIX, LABEL_SERVICE_ACCOUNT));
  return {
    id: `${ns}/${p.metadata.name}`,
    kind: 'NetworkPolicy',
    name: p.metadata.name,
    namespace: ns,
    tier: spec.tier || 'default',
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector: printSelector(sel),
    ...types(spec),
    inbound: (spec.ingress ?? []).map((r) => ruleModel(r, ns)),
    outbound: (spec.egress ?? []).map((r) => ruleModel(r, ns)),
  };
}

/** GlobalNetworkPolicy: selector ANDed with the pcns-prefixed namespaceSelector and pcsa-prefixed SA selector. */
export function globalNetworkPolicyModel(p: GlobalNetworkPolicy): PolicyModel {
  const spec = p.spec ?? {};
  const parts: SelectorNode[] = [parseSelector(spec.selector ?? '')];
  if (spec.namespaceSelector) parts.push(prefixed(parseSelector(spec.namespaceSelector), NAMESPACE_LABEL_PREFIX, LABEL_NAMESPACE));
  if (spec.serviceAccountSelector) parts.push(prefixed(parseSelector(spec.serviceAccountSelector), SERVICE_ACCOUNT_LABEL_PREFIX, LABEL_SERVICE_ACCOUNT));
  return {
    id: p.metadata.name,
    kind: 'GlobalNetworkPolicy',
    name: p.metadata.name,
    tier: spec.tier || 'default',
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector: printSelector(and(...parts)),
    ...types(spec),
    inbound: (spec.ingress ?? []).map((r) => ruleModel(r, undefined)),
    outbound: (spec.egress ?? []).map((r) => ruleModel(r, undefined)),
  };
}

export function profileModel(p: Profile): ProfileModel {
  const spec = p.spec ?? {};
  return {
    name: p.metadata.name,
    labels: spec.labelsToApply ?? {},
    inbound: (spec.ingress ?? []).map((r) => ruleModel(r, undefined)),
    outbound: (spec.egress ?? []).map((r) => ruleModel(r, undefined)),
  };
}

/** Felix's policy order (felix/calc/policy_sorter.go PolKVLess): order ascending, absent last, ties by name/namespace/kind. */
export function comparePolicies(a: PolicyModel, b: PolicyModel): number {
  const oa = a.order ?? Infinity;
  const ob = b.order ?? Infinity;
  if (oa !== ob) return oa < ob ? -1 : 1;
  const ka = `${a.name}/${a.namespace ?? ''}/${a.kind}`;
  const kb = `${b.name}/${b.namespace ?? ''}/${b.kind}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
