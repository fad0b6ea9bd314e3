// Feeds the policy dataplane (felix/policy-dataplane.ts) from the syncer's per-kind changes (datastore/cache.ts), one
// set or delete per changed resource, so that one policy or one pod changing costs work in proportion to what it
// touches (the policy calculation is incremental: felix/calc). Calico's equivalent is the calculation graph's
// dispatcher (felix/calc/calc_graph.go), which routes each syncer update to the components that read its kind.
//
// Every WorkloadEndpoint goes in: this node's are enforced, the others' addresses fill the selector sets.
// AdminNetworkPolicies and the BaselineAdminNetworkPolicy go in as the GlobalNetworkPolicies Calico makes of them
// (api/k8s/admin-conversion.ts: tiers kube-admin and kube-baseline), as Calico's syncer hands them to Felix through
// its GlobalNetworkPolicy update processor; a rule that cannot be converted fails closed and is reported to `warn`.
import { adminPolicyName, adminPolicyToCalico, describeAdminWarning, type AnyAdminPolicy } from '../api/k8s';
import type { GlobalNetworkPolicy } from '../api/kind-global-network-policy';
import type { GlobalNetworkSet, NetworkSet } from '../api/kind-network-set';
import type { NetworkPolicy } from '../api/kind-network-policy';
import type { Profile } from '../api/kind-profile';
import type { StagedPolicy } from '../api/kind-staged-policies';
import type { Tier } from '../api/kind-tier';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { FelixConfiguration } from '../api/kind-felix-configuration';
import type { CacheUpdate } from '../datastore';
import type { PolicyDataplane } from '../felix/policy-dataplane';
import type { PolicyInputs } from '../felix/policy-inputs';
import { POLICY_KINDS } from './calc/kinds';

/** The policy inputs the feed drives: the agent's PolicyDataplane, explain's PolicyInputs (tests pass a recorder). */
export type PolicySink = Pick<
  PolicyInputs,
  | 'setTier'
  | 'deleteTier'
  | 'setNetworkPolicy'
  | 'deleteNetworkPolicy'
  | 'setGlobalNetworkPolicy'
  | 'deleteGlobalNetworkPolicy'
  | 'setStagedPolicy'
  | 'deleteStagedPolicy'
  | 'setProfile'
  | 'deleteProfile'
  | 'setNetworkSet'
  | 'deleteNetworkSet'
  | 'setWorkloadEndpoint'
  | 'deleteWorkloadEndpoint'
> &
  /** The dataplane's own settings (the denied-flow log): the calculation alone (explain) has none. */
  Partial<Pick<PolicyDataplane, 'setFelixConfiguration' | 'deleteFelixConfiguration'>>;

const POLICY_KIND_SET: ReadonlySet<string> = new Set(POLICY_KINDS);

/** Whether changes of `kind` concern the policy dataplane. */
export const isPolicyKind = (kind: string): boolean => POLICY_KIND_SET.has(kind);

/** Hands one kind's changes to the policy dataplane; returns whether any concerned it. */
export function feedPolicy(sink: PolicySink, kind: string, updates: readonly CacheUpdate[], warn: (message: string) => void = () => undefined): boolean {
  if (!isPolicyKind(kind)) return false;
  for (const u of updates) {
    const o = u.object;
    const ns = o.metadata.namespace ?? 'default';
    const set = u.type === 'set';
    switch (kind) {
      case 'Tier':
        if (set) sink.setTier(o as Tier);
        else sink.deleteTier(o.metadata.name);
        break;
      case 'NetworkPolicy':
        if (set) sink.setNetworkPolicy(o as NetworkPolicy);
        else sink.deleteNetworkPolicy(ns, o.metadata.name);
        break;
      case 'GlobalNetworkPolicy':
        if (set) sink.setGlobalNetworkPolicy(o as GlobalNetworkPolicy);
        else sink.deleteGlobalNetworkPolicy(o.metadata.name);
        break;
      case 'AdminNetworkPolicy':
      case 'BaselineAdminNetworkPolicy':
        if (set) {
          const { policy, warnings } = adminPolicyToCalico(o as unknown as AnyAdminPolicy);
          for (const w of warnings) warn(describeAdminWarning(w));
          sink.setGlobalNetworkPolicy(policy);
        } else sink.deleteGlobalNetworkPolicy(adminPolicyName(kind, o.metadata.name));
        break;
      case 'StagedNetworkPolicy':
      case 'StagedGlobalNetworkPolicy':
      case 'StagedKubernetesNetworkPolicy':
        if (set) sink.setStagedPolicy(o as StagedPolicy);
        else sink.deleteStagedPolicy(kind, kind === 'StagedGlobalNetworkPolicy' ? undefined : ns, o.metadata.name);
        break;
      case 'Profile':
        if (set) sink.setProfile(o as Profile);
        else sink.deleteProfile(o.metadata.name);
        break;
      case 'NetworkSet':
        if (set) sink.setNetworkSet(o as NetworkSet);
        else sink.deleteNetworkSet('NetworkSet', ns, o.metadata.name);
        break;
      case 'GlobalNetworkSet':
        if (set) sink.setNetworkSet(o as GlobalNetworkSet);
        else sink.deleteNetworkSet('GlobalNetworkSet', undefined, o.metadata.name);
        break;
      case 'WorkloadEndpoint':
        if (set) sink.setWorkloadEndpoint(o as WorkloadEndpoint);
        else sink.deleteWorkloadEndpoint(ns, o.metadata.name);
        break;
      case 'FelixConfiguration':
        if (set) sink.setFelixConfiguration?.(o as FelixConfiguration);
        else sink.deleteFelixConfiguration?.(o.metadata.name);
        break;
    }
  }
  return true;
}
