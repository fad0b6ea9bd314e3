// Profile: a named set of rules and labels endpoints inherit. Calico synthesises them from Kubernetes Namespaces
// (`kns.<ns>`, allow-all rules, `pcns.*` labels) and ServiceAccounts (`ksa.<ns>.<sa>`, `pcsa.*` labels); in etcd
// mode kube-controllers write them (libcalico-go backend/k8s/conversion NamespaceToProfile).

import { checkLabels } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { checkRules, ruleShape, type PolicyRule } from './policy-common';
import { arr, f, map, obj, str } from './schema';

export interface ProfileSpec {
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
  labelsToApply?: Record<string, string>;
}

export type Profile = Resource<'Profile', ProfileSpec>;

const specShape = obj([f('ingress', arr(ruleShape)), f('egress', arr(ruleShape)), f('labelsToApply', map(str))]);

function validate(res: Profile, p: Problems): void {
  const s = res.spec ?? {};
  checkRules(p, 'spec.ingress', s.ingress);
  checkRules(p, 'spec.egress', s.egress);
  checkLabels(p, 'spec.labelsToApply', s.labelsToApply);
}

export const profileKind: KindInfo<Profile> = {
  kind: 'Profile',
  plural: 'profiles',
  aliases: ['profile', 'pro', 'pros'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
