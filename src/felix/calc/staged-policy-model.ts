// Staged policies in the form the calculation evaluates: the model of the enforced policy the staged one stands for
// (api stagedToEnforced, as libcalico-go's staged*networkpolicyprocessor.go convert them for Felix), under the id
// Calico gives staged policies (`staged:` before the name: `<ns>/staged:<name>`, `<ns>/staged:knp.default.<name>`,
// `staged:<name>`; libcalico-go backend/model/policy.go), marked with the enforced id it replaces in the staged
// evaluation. stagedAction Ignore has no model; Delete has one that selects nothing and only removes its enforced
// namesake from the staged evaluation (Calico's open-source Felix drops Deletes; Gingham evaluates them).

import { K8S_NETWORK_POLICY_PREFIX } from '../../api/k8s/conversion';
import { stagedToEnforced, type StagedPolicy } from '../../api/kind-staged-policies';
import { globalNetworkPolicyModel, networkPolicyModel, type PolicyModel } from './policy-model';

export const STAGED_PREFIX = 'staged:';

/** The staged id of an enforced policy id: `ns/name` -> `ns/staged:name`, `name` -> `staged:name`. */
export function stagedPolicyId(enforcedId: string): string {
  const slash = enforcedId.indexOf('/');
  return slash < 0 ? STAGED_PREFIX + enforcedId : `${enforcedId.slice(0, slash + 1)}${STAGED_PREFIX}${enforcedId.slice(slash + 1)}`;
}

/** The model of a staged policy, or undefined for stagedAction Ignore (stored, not evaluated). */
export function stagedPolicyModel(p: StagedPolicy): PolicyModel | undefined {
  const { action, enforced } = stagedToEnforced(p);
  if (action === 'Ignore') return undefined;
  const base = enforced.kind === 'NetworkPolicy' ? networkPolicyModel(enforced) : globalNetworkPolicyModel(enforced);
  const id = stagedPolicyId(base.id);
  if (action === 'Delete') {
    return { ...base, id, kind: p.kind, selector: '', ingress: false, egress: false, inbound: [], outbound: [], staged: { replaces: base.id, deletes: true } };
  }
  return { ...base, id, kind: p.kind, staged: { replaces: base.id, deletes: false } };
}

/** The id a staged policy of this kind, namespace and name has in the calculation (for its deletion). */
export function stagedIdOf(kind: StagedPolicy['kind'], namespace: string | undefined, name: string): string {
  if (kind === 'StagedGlobalNetworkPolicy') return stagedPolicyId(name);
  return stagedPolicyId(`${namespace ?? 'default'}/${kind === 'StagedKubernetesNetworkPolicy' ? K8S_NETWORK_POLICY_PREFIX + name : name}`);
}
