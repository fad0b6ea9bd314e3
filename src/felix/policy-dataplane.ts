// The policy dataplane of one node: Calico resources in, nftables tables out. It feeds the incremental policy
// calculation (felix/calc), builds the ruleset per family (felix/rules) and hands it to one table owner per
// family (felix/tables), which writes only what changed in one transaction per family and sync.
// Kubernetes objects come in converted by src/api/k8s (the same conversion kube-controllers use in etcd mode).

import type { GlobalNetworkPolicy } from '../api/kind-global-network-policy';
import type { GlobalNetworkSet, NetworkSet } from '../api/kind-network-set';
import type { NetworkPolicy } from '../api/kind-network-policy';
import type { Profile } from '../api/kind-profile';
import type { StagedPolicy } from '../api/kind-staged-policies';
import type { Tier } from '../api/kind-tier';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { globalNetworkPolicyModel, networkPolicyModel, profileModel } from './calc/policy-model';
import { stagedIdOf, stagedPolicyModel } from './calc/staged-policy-model';
import { ProgrammedEndpoints } from './programmed-endpoints';
import { PolicyResolver, type EndpointModel } from './calc/policy-resolver';
import type { Family } from './rules/ir';
import { RulesetBuilder } from './rules/ruleset';
import type { CommandRunner } from '../lib/command-runner';
import type { NftRunner } from './tables/nft-command';
import { TableRenderer, type RenderedTable } from './tables/nft-render';
import { NftTableOwner, type SyncResult } from './tables/table-owner';

export type { CommandResult, NftRunner } from './tables/nft-command';

/** nft(8) through a process's command runner (the node agent's). */
export const nftRunnerFrom = (run: CommandRunner): NftRunner => ({ run: (args, stdin) => run(['nft', ...args], stdin) });

export interface PolicyDataplaneOptions {
  /** This node's name: endpoints with `spec.node` equal to it are enforced, the others only feed IP sets. */
  readonly nodeName: string;
  readonly runner: NftRunner;
  /** Families to program (default IPv4 and IPv6). */
  readonly families?: readonly Family[];
  readonly interfacePrefix?: string;
  readonly table?: string;
}

/** The endpoint model of a WorkloadEndpoint (id `<namespace>/<name>`). */
export function endpointModel(wep: WorkloadEndpoint, nodeName: string): EndpointModel {
  const spec = wep.spec;
  return {
    id: `${wep.metadata.namespace ?? 'default'}/${wep.metadata.name}`,
    interfaceName: spec?.interfaceName ?? '',
    labels: wep.metadata.labels ?? {},
    profiles: spec?.profiles ?? [],
    ipNets: spec?.ipNetworks ?? [],
    ...(spec?.ports ? { ports: spec.ports } : {}),
    local: spec?.node === nodeName,
  };
}

export class PolicyDataplane {
  readonly resolver = new PolicyResolver();
  /** This node's endpoints whose policy is in the kernel (the CNI service waits on it before answering ADD). */
  readonly programmed = new ProgrammedEndpoints();
  private readonly builders: RulesetBuilder[];
  private readonly renderers: TableRenderer[];
  private readonly owners: NftTableOwner[];

  constructor(private readonly options: PolicyDataplaneOptions) {
    const families = options.families ?? [4, 6];
    this.builders = families.map((f) => new RulesetBuilder(f, options.interfacePrefix ? { interfacePrefix: options.interfacePrefix } : {}));
    this.renderers = families.map(() => new TableRenderer(options.table ?? 'gingham'));
    this.owners = families.map((f) => new NftTableOwner(options.runner, f === 4 ? 'ip' : 'ip6', options.table ?? 'gingham'));
  }

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

  setWorkloadEndpoint(wep: WorkloadEndpoint): void {
    const model = endpointModel(wep, this.options.nodeName);
    this.resolver.setEndpoint(model);
    if (model.local) this.programmed.set(model.id, wep.metadata.resourceVersion ?? '');
    else this.programmed.delete(model.id);
  }

  deleteWorkloadEndpoint(namespace: string, name: string): void {
    this.resolver.deleteEndpoint(`${namespace}/${name}`);
    this.programmed.delete(`${namespace}/${name}`);
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

  /** The tables as they would be written now (for `nft`-style display and tests). */
  rendered(): RenderedTable[] {
    const changes = this.resolver.takeChanges();
    return this.builders.map((b, i) => (this.renderers[i] as TableRenderer).render(b.build(this.resolver, changes)));
  }

  /**
   * Programs the kernel: one transaction per family carrying only what changed; throws NftError on refusal.
   * Chains and sets nothing refers to any more stay until the next verify() (deleting them makes a commit wait).
   */
  async apply(): Promise<SyncResult[]> {
    const endpoints = this.programmed.snapshot();
    const tables = this.rendered();
    const out: SyncResult[] = [];
    for (let i = 0; i < tables.length; i++) out.push(await (this.owners[i] as NftTableOwner).sync(tables[i] as RenderedTable));
    this.programmed.applied(endpoints);
    return out;
  }

  /**
   * Reads the tables back and repairs objects changed by hand, then deletes the chains and sets syncs left
   * unreferenced (the periodic clean-up); returns what was found tampered with.
   */
  async verify(): Promise<string[]> {
    const out: string[] = [];
    for (const o of this.owners) {
      out.push(...(await o.verify()).map((k) => `${o.family} ${k}`));
      await o.collect();
    }
    return out;
  }
}
