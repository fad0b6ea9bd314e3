// The inputs of the policy calculation: Calico resources converted to the models felix/calc evaluates and handed to
// one PolicyResolver. Shared by the node's PolicyDataplane (which then renders and programs the resolver's state)
// and by `gingham policy explain` (which evaluates it), so both compute from the same conversion and the same
// resolution. Which WorkloadEndpoints are local (enforced, so resolved) is the owner's choice: the agent's own
// node's, or every endpoint for explain. Pure: no I/O.

import type { GlobalNetworkPolicy } from '../api/kind-global-network-policy';
import type { GlobalNetworkSet, NetworkSet } from '../api/kind-network-set';
import type { NetworkPolicy } from '../api/kind-network-policy';
import type { Profile } from '../api/kind-profile';
import type { StagedPolicy } from '../api/kind-staged-policies';
import type { Tier } from '../api/kind-tier';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { globalNetworkPolicyModel, networkPolicyModel, profileModel } from './calc/policy-model';
import { PolicyResolver, type EndpointModel } from './calc/policy-resolver';
import { stagedIdOf, stagedPolicyModel } from './calc/staged-policy-model';

/** The endpoint model of a WorkloadEndpoint (id `<namespace>/<name>`). */
export function endpointModel(wep: WorkloadEndpoint, local: boolean): EndpointModel {
  const spec = wep.spec;
  return {
    id: `${wep.metadata.namespace ?? 'default'}/${wep.metadata.name}`,
    interfaceName: spec?.interfaceName ?? '',
    labels: wep.metadata.labels ?? {},
    profiles: spec?.profiles ?? [],
    ipNets: spec?.ipNetworks ?? [],
    ...(spec?.ports ? { ports: spec.ports } : {}),
    local,
  };
}

export class PolicyInputs {
  readonly resolver = new PolicyResolver();

  /** `isLocal`: whether an endpoint's policy is enforced here (resolved); the others only fill selector sets. */
  constructor(private readonly isLocal: (wep: WorkloadEndpoint) => boolean) {}

  setTier(t: Tier): void {
    this.resolver.setTier({ name: t.metadata.name, ...(t.spec?.order !== undefined ? { order: t.spec.order } : {}), defaultAction: t.spec?.defaultAction ?? 'Deny' });
  }

  deleteTier(name: string): void {
    this.resolver.deleteTier(name);
  }

  setNetworkPolicy(p: NetworkPolicy): void {
    this.resolver.setPolicy(networkPolicyModel(p));
  }

  deleteNetworkPolicy(namespace: string, name: string): void {
    this.resolver.deletePolicy(`${namespace}/${name}`);
  }

  setGlobalNetworkPolicy(p: GlobalNetworkPolicy): void {
    this.resolver.setPolicy(globalNetworkPolicyModel(p));
  }

  deleteGlobalNetworkPolicy(name: string): void {
    this.resolver.deletePolicy(name);
  }

  /** A staged policy: evaluated, counted and logged as if enforced, never enforced; Ignore takes it out. */
  setStagedPolicy(p: StagedPolicy): void {
    const model = stagedPolicyModel(p);
    if (model) this.resolver.setPolicy(model);
    else this.resolver.deletePolicy(stagedIdOf(p.kind, p.metadata.namespace, p.metadata.name));
  }

  deleteStagedPolicy(kind: StagedPolicy['kind'], namespace: string | undefined, name: string): void {
    this.resolver.deletePolicy(stagedIdOf(kind, namespace, name));
  }

  setProfile(p: Profile): void {
    this.resolver.setProfile(profileModel(p));
  }

  deleteProfile(name: string): void {
    this.resolver.deleteProfile(name);
  }

  /** Returns the model handed to the resolver. */
  setWorkloadEndpoint(wep: WorkloadEndpoint): EndpointModel {
    const model = endpointModel(wep, this.isLocal(wep));
    this.resolver.setEndpoint(model);
    return model;
  }

  deleteWorkloadEndpoint(namespace: string, name: string): void {
    this.resolver.deleteEndpoint(`${namespace}/${name}`);
  }

  setNetworkSet(s: NetworkSet | GlobalNetworkSet): void {
    const ns = s.kind === 'NetworkSet' ? (s.metadata.namespace ?? 'default') : undefined;
    // A namespaced set carries its namespace label so namespaced rule selectors can match it.
    const labels = { ...(s.metadata.labels ?? {}), ...(ns ? { 'projectcalico.org/namespace': ns } : {}) };
    this.resolver.setNetworkSet({ id: `${s.kind}/${ns ?? ''}/${s.metadata.name}`, labels, nets: s.spec?.nets ?? [] });
  }

  deleteNetworkSet(kind: 'NetworkSet' | 'GlobalNetworkSet', namespace: string | undefined, name: string): void {
    this.resolver.deleteNetworkSet(`${kind}/${namespace ?? ''}/${name}`);
  }
}
