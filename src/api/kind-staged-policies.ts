// StagedNetworkPolicy, StagedGlobalNetworkPolicy and StagedKubernetesNetworkPolicy
// (api/pkg/apis/projectcalico/v3/staged{,global,kubernetes}networkpolicy.go): a policy's fields plus `stagedAction`,
// evaluated, counted and logged as if enforced but never enforced. Each one stands for the enforced policy it would
// become: stagedToEnforced is Calico's ConvertStaged*ToEnforced (plus, for the Kubernetes kind, the conversion to
// `knp.default.<name>` that libcalico-go's stagedkubernetesnetworkpolicyprocessor.go applies), so a staged policy and
// the enforced policy of the same name and namespace share the enforced name. stagedAction: Set (the default) and
// Learn evaluate the policy; Delete evaluates "as if the enforced policy were gone" and must carry no other field
// (tier excepted, validator.go validateStaged*); Ignore is stored and not evaluated.

import { checkEnum } from './checks';
import type { Problems } from './errors';
import { k8sNetworkPolicyToCalico } from './k8s/conversion';
import { k8sNetworkPolicySpecFields, validateK8sNetworkPolicy } from './k8s/network-policy';
import { NETWORKING_API_VERSION, type K8sNetworkPolicySpec } from './k8s/types';
import { globalPolicySpecFields, validateGlobalPolicySpec, type GlobalNetworkPolicy, type GlobalNetworkPolicySpec } from './kind-global-network-policy';
import { defaultPolicySpec, namespacedPolicySpecFields, validatePolicyCommon, type NetworkPolicy, type NetworkPolicySpec } from './kind-network-policy';
import { API_VERSION, clone, type KindInfo, type Resource } from './meta';
import { f, obj, str } from './schema';

export const STAGED_ACTIONS = ['Set', 'Delete', 'Learn', 'Ignore'] as const;
export type StagedAction = (typeof STAGED_ACTIONS)[number];

export type StagedNetworkPolicy = Resource<'StagedNetworkPolicy', NetworkPolicySpec & { stagedAction?: StagedAction }>;
export type StagedGlobalNetworkPolicy = Resource<'StagedGlobalNetworkPolicy', GlobalNetworkPolicySpec & { stagedAction?: StagedAction }>;
export type StagedKubernetesNetworkPolicy = Resource<'StagedKubernetesNetworkPolicy', Partial<K8sNetworkPolicySpec> & { stagedAction?: StagedAction }>;
export type StagedPolicy = StagedNetworkPolicy | StagedGlobalNetworkPolicy | StagedKubernetesNetworkPolicy;

const stagedActionField = f('stagedAction', str);

/** The action a stored staged policy carries; absent means Set (the CRD's default). */
export const stagedActionOf = (p: StagedPolicy): StagedAction => p.spec?.stagedAction ?? 'Set';

/** With stagedAction Delete every spec field but `keep` must be empty: each one set is a problem of its own. */
function checkDeleteIsEmpty(p: Problems, spec: object, keep: readonly string[]): void {
  for (const [k, v] of Object.entries(spec) as Array<[string, unknown]>) {
    if (k === 'stagedAction' || keep.includes(k) || v === undefined || v === false || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    p.add(`spec.${k}`, 'must be empty when spec.stagedAction is Delete');
  }
}

function validateStaged(p: Problems, spec: { stagedAction?: string }, keep: readonly string[], rest: () => void): void {
  checkEnum(p, 'spec.stagedAction', spec.stagedAction, STAGED_ACTIONS);
  if (spec.stagedAction === 'Delete') checkDeleteIsEmpty(p, spec, keep);
  else rest();
}

/** Calico's CRD default (Set) and, like clientv3's Create, no `types` for a Delete. */
function defaultStaged<S extends NetworkPolicySpec & { stagedAction?: StagedAction }>(spec: S): S {
  spec.stagedAction ??= 'Set';
  if (spec.stagedAction === 'Delete') {
    spec.tier ||= 'default';
    delete spec.types;
    return spec;
  }
  return defaultPolicySpec(spec);
}

/** The KindInfo of a staged Calico policy kind: its enforced kind's fields and rules, plus stagedAction. */
function stagedCalicoKind<R extends StagedNetworkPolicy | StagedGlobalNetworkPolicy>(
  names: Pick<KindInfo, 'kind' | 'plural' | 'aliases' | 'namespaced'>,
  fields: Parameters<typeof obj>[0],
  validateSpec: (p: Problems, spec: NonNullable<R['spec']>) => void,
): KindInfo<R> {
  return {
    ...names,
    specShape: obj([stagedActionField, ...fields]),
    defaults: (res) => {
      const out = clone(res);
      out.spec = defaultStaged(out.spec ?? {});
      return out;
    },
    validate: (res, p) => {
      const spec = (res.spec ?? {}) as NonNullable<R['spec']>;
      validateStaged(p, spec, ['tier'], () => validateSpec(p, spec));
    },
  };
}

export const stagedNetworkPolicyKind = stagedCalicoKind<StagedNetworkPolicy>(
  { kind: 'StagedNetworkPolicy', plural: 'stagednetworkpolicies', aliases: ['stagednetworkpolicy', 'stagedpolicy', 'stagedpolicies', 'snp', 'spol', 'spols'], namespaced: true },
  namespacedPolicySpecFields,
  validatePolicyCommon,
);

export const stagedGlobalNetworkPolicyKind = stagedCalicoKind<StagedGlobalNetworkPolicy>(
  { kind: 'StagedGlobalNetworkPolicy', plural: 'stagedglobalnetworkpolicies', aliases: ['stagedglobalnetworkpolicy', 'sgnp', 'sgnps'], namespaced: false },
  globalPolicySpecFields,
  validateGlobalPolicySpec,
);

/** The networking.k8s.io/v1 NetworkPolicy a staged Kubernetes policy would be. */
function k8sPolicyOf(res: StagedKubernetesNetworkPolicy): Parameters<typeof k8sNetworkPolicyToCalico>[0] {
  const { stagedAction: _action, ...spec } = res.spec ?? {};
  return { apiVersion: NETWORKING_API_VERSION, kind: 'NetworkPolicy', metadata: clone(res.metadata), spec: { ...spec, podSelector: spec.podSelector ?? {} } };
}

export const stagedKubernetesNetworkPolicyKind: KindInfo<StagedKubernetesNetworkPolicy> = {
  kind: 'StagedKubernetesNetworkPolicy',
  plural: 'stagedkubernetesnetworkpolicies',
  aliases: ['stagedkubernetesnetworkpolicy', 'stagedkubernetespolicy', 'stagedkubernetespolicies', 'sknp', 'skpol', 'skpols'],
  namespaced: true,
  specShape: obj([stagedActionField, ...k8sNetworkPolicySpecFields]),
  defaults: (res) => {
    const out = clone(res);
    out.spec ??= {};
    out.spec.stagedAction ??= 'Set';
    return out;
  },
  validate: (res, p) => {
    const spec = res.spec ?? {};
    validateStaged(p, spec, [], () => validateK8sNetworkPolicy(k8sPolicyOf(res), p));
  },
};

export type EnforcedPolicy = NetworkPolicy | GlobalNetworkPolicy;

/**
 * The staged action and the enforced policy a staged policy stands for (ConvertStaged*ToEnforced): same metadata
 * without resourceVersion and uid, same spec without stagedAction; a StagedKubernetesNetworkPolicy becomes the
 * Calico NetworkPolicy `knp.default.<name>` its Kubernetes policy would convert to.
 */
export function stagedToEnforced(staged: StagedPolicy): { action: StagedAction; enforced: EnforcedPolicy } {
  const action = stagedActionOf(staged);
  const metadata = clone(staged.metadata);
  delete metadata.resourceVersion;
  delete metadata.uid;
  if (staged.kind === 'StagedKubernetesNetworkPolicy') {
    const np = k8sNetworkPolicyToCalico({ ...k8sPolicyOf(staged), metadata });
    delete np.metadata.resourceVersion;
    delete np.metadata.uid;
    return { action, enforced: np };
  }
  const { stagedAction: _action, ...spec } = clone(staged.spec ?? {});
  const kind = staged.kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : 'GlobalNetworkPolicy';
  return { action, enforced: { apiVersion: API_VERSION, kind, metadata, spec } as EnforcedPolicy };
}
