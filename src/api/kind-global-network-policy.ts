// GlobalNetworkPolicy: cluster-wide policy; adds namespaceSelector and the host-endpoint modes (doNotTrack,
// preDNAT, applyOnForward) to NetworkPolicy's fields.

import { checkSelector } from './checks';
import type { Problems } from './errors';
import { defaultPolicySpec, networkPolicySpecFields, validatePolicyCommon, type NetworkPolicySpec } from './kind-network-policy';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, bool, f, obj, str } from './schema';

export interface GlobalNetworkPolicySpec extends NetworkPolicySpec {
  doNotTrack?: boolean;
  preDNAT?: boolean;
  applyOnForward?: boolean;
  namespaceSelector?: string;
}

export type GlobalNetworkPolicy = Resource<'GlobalNetworkPolicy', GlobalNetworkPolicySpec>;

/** Every field of a GlobalNetworkPolicy spec (StagedGlobalNetworkPolicy adds stagedAction). */
export const globalPolicySpecFields = [
  ...networkPolicySpecFields,
  f('doNotTrack', bool),
  f('preDNAT', bool),
  f('applyOnForward', bool),
  f('serviceAccountSelector', str),
  f('namespaceSelector', str),
  f('performanceHints', arr(str)),
];

const specShape = obj(globalPolicySpecFields);

/** GlobalNetworkPolicy's spec rules (also a StagedGlobalNetworkPolicy's). */
export function validateGlobalPolicySpec(p: Problems, s: GlobalNetworkPolicySpec): void {
  validatePolicyCommon(p, s);
  checkSelector(p, 'spec.namespaceSelector', s.namespaceSelector);
  // Calico's validator: untracked and pre-DNAT policies act on forwarded traffic, so they need applyOnForward.
  if (s.doNotTrack && s.preDNAT) p.add('spec.preDNAT', 'cannot be true together with spec.doNotTrack');
  if ((s.doNotTrack || s.preDNAT) && !s.applyOnForward) {
    p.add('spec.applyOnForward', 'must be true when spec.doNotTrack or spec.preDNAT is true');
  }
  if (s.preDNAT && s.egress?.length) p.add('spec.egress', 'a preDNAT policy cannot have egress rules');
}

export const globalNetworkPolicyKind: KindInfo<GlobalNetworkPolicy> = {
  kind: 'GlobalNetworkPolicy',
  plural: 'globalnetworkpolicies',
  aliases: ['globalnetworkpolicy', 'gnp', 'gnps', 'globalpolicy', 'globalpolicies'],
  namespaced: false,
  specShape,
  defaults: (res) => {
    const out = clone(res);
    out.spec = defaultPolicySpec(out.spec ?? {});
    return out;
  },
  validate: (res, p) => validateGlobalPolicySpec(p, res.spec ?? {}),
};
