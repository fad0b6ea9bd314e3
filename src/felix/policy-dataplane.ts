// The policy dataplane of one node: Calico resources in, nftables tables out. It feeds the incremental policy
// calculation (felix/calc), builds the ruleset per family (felix/rules) and hands it to one table owner per
// family (felix/tables), which writes only what changed in one transaction per family and sync.
// Kubernetes objects come in converted by src/api/k8s (the same conversion kube-controllers use in etcd mode).

import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { PolicyInputs } from './policy-inputs';
import { ProgrammedEndpoints } from './programmed-endpoints';
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

export class PolicyDataplane extends PolicyInputs {
  /** This node's endpoints whose policy is in the kernel (the CNI service waits on it before answering ADD). */
  readonly programmed = new ProgrammedEndpoints();
  private readonly builders: RulesetBuilder[];
  private readonly renderers: TableRenderer[];
  private readonly owners: NftTableOwner[];

  constructor(private readonly options: PolicyDataplaneOptions) {
    super((wep) => wep.spec?.node === options.nodeName);
    const families = options.families ?? [4, 6];
    this.builders = families.map((f) => new RulesetBuilder(f, options.interfacePrefix ? { interfacePrefix: options.interfacePrefix } : {}));
    this.renderers = families.map(() => new TableRenderer(options.table ?? 'gingham'));
    this.owners = families.map((f) => new NftTableOwner(options.runner, f === 4 ? 'ip' : 'ip6', options.table ?? 'gingham'));
  }

  override setWorkloadEndpoint(wep: WorkloadEndpoint): ReturnType<PolicyInputs['setWorkloadEndpoint']> {
    const model = super.setWorkloadEndpoint(wep);
    if (model.local) this.programmed.set(model.id, wep.metadata.resourceVersion ?? '');
    else this.programmed.delete(model.id);
    return model;
  }

  override deleteWorkloadEndpoint(namespace: string, name: string): void {
    super.deleteWorkloadEndpoint(namespace, name);
    this.programmed.delete(`${namespace}/${name}`);
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
