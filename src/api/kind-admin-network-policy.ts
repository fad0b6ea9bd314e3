// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) as kinds Gingham stores
// beside Calico's: in etcd mode under /calico/resources/v3/projectcalico.org/{adminnetworkpolicies,
// baselineadminnetworkpolicies}, in Kubernetes mode as the network-policy-api CRDs themselves. Their shape, defaults and
// validation are api/k8s's (the CRD's rules); the node converts them into GlobalNetworkPolicies of the kube-admin and
// kube-baseline tiers (api/k8s/admin-conversion.ts), the only form the policy dataplane sees.
import type { Problems } from './errors';
import { adminSpecShape, defaultAdminPolicy, validateAdminPolicy } from './k8s/admin-network-policy';
import { POLICY_API_VERSION, type AnyAdminPolicy } from './k8s/admin-types';
import type { KindInfo, Resource } from './meta';
import { obj } from './schema';

function adminKind(kind: AnyAdminPolicy['kind'], plural: string, aliases: readonly string[]): KindInfo {
  const baseline = kind === 'BaselineAdminNetworkPolicy';
  return {
    kind,
    plural,
    apiVersion: POLICY_API_VERSION,
    aliases,
    namespaced: false,
    specShape: adminSpecShape(baseline),
    statusShape: obj([], true),
    defaults: (res: Resource) => defaultAdminPolicy(res as unknown as AnyAdminPolicy) as unknown as Resource,
    validate: (res: Resource, p: Problems) => validateAdminPolicy({ ...res, spec: res.spec ?? {} } as unknown as AnyAdminPolicy, p),
  };
}

export const adminNetworkPolicyKind = adminKind('AdminNetworkPolicy', 'adminnetworkpolicies', ['adminnetworkpolicy', 'anp', 'anps']);
export const baselineAdminNetworkPolicyKind = adminKind('BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies', ['baselineadminnetworkpolicy', 'banp', 'banps']);
