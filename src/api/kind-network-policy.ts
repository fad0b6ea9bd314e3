// NetworkPolicy: Calico's namespaced policy (ordered, with Deny/Log/Pass and richer selectors than Kubernetes').

import { checkName, checkSelector } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { checkRules, checkTypes, defaultPolicyTypes, orderShape, ruleShape, type PolicyRule, type PolicyType } from './policy-common';
import { arr, f, obj, str } from './schema';

export interface NetworkPolicySpec {
  tier?: string;
  order?: number;
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
  selector?: string;
  types?: PolicyType[];
  serviceAccountSelector?: string;
  performanceHints?: string[];
}

export type NetworkPolicy = Resource<'NetworkPolicy', NetworkPolicySpec>;

export const networkPolicySpecFields = [
  f('tier', str),
  f('order', orderShape, true),
  f('ingress', arr(ruleShape)),
  f('egress', arr(ruleShape)),
  f('selector', str),
  f('types', arr(str)),
];

/** Every field of a NetworkPolicy spec (StagedNetworkPolicy adds stagedAction). */
export const namespacedPolicySpecFields = [...networkPolicySpecFields, f('serviceAccountSelector', str), f('performanceHints', arr(str))];

const specShape = obj(namespacedPolicySpecFields);

/** Checks shared with GlobalNetworkPolicy. */
export function validatePolicyCommon(p: Problems, spec: NetworkPolicySpec): void {
  checkName(p, 'spec.tier', spec.tier);
  if (spec.order !== undefined && !Number.isFinite(spec.order)) p.add('spec.order', 'must be a finite number');
  checkSelector(p, 'spec.selector', spec.selector);
  checkSelector(p, 'spec.serviceAccountSelector', spec.serviceAccountSelector);
  checkTypes(p, 'spec.types', spec.types);
  checkRules(p, 'spec.ingress', spec.ingress);
  checkRules(p, 'spec.egress', spec.egress);
  if (spec.types && spec.types.length > 0) {
    if (!spec.types.includes('Ingress') && spec.ingress?.length) p.add('spec.ingress', 'rules are set but spec.types does not include Ingress');
    if (!spec.types.includes('Egress') && spec.egress?.length) p.add('spec.egress', 'rules are set but spec.types does not include Egress');
  }
  spec.performanceHints?.forEach((h, i) => {
    if (h !== 'AssumeNeededOnEveryNode') p.add(`spec.performanceHints[${i}]`, 'must be AssumeNeededOnEveryNode');
  });
}

/** Tier "default" and Calico's `types` default, as the policy clients store them. */
export function defaultPolicySpec<S extends NetworkPolicySpec>(spec: S): S {
  spec.tier ||= 'default';
  if (!spec.types || spec.types.length === 0) spec.types = defaultPolicyTypes(spec.ingress, spec.egress);
  return spec;
}

export const networkPolicyKind: KindInfo<NetworkPolicy> = {
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  aliases: ['networkpolicy', 'policy', 'policies', 'pol', 'pols', 'np', 'nps', 'cnp', 'cnps'],
  namespaced: true,
  specShape,
  defaults: (res) => {
    const out = clone(res);
    out.spec = defaultPolicySpec(out.spec ?? {});
    return out;
  },
  validate: (res, p) => validatePolicyCommon(p, res.spec ?? {}),
};
