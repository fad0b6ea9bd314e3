// The policy dataplane of one node: Calico resources in, nftables tables out. It feeds the incremental policy
// calculation (felix/calc), builds the ruleset per family (felix/rules) and hands it to one table owner per
// family (felix/tables), which writes only what changed in one transaction per family and sync.
// Kubernetes objects come in converted by src/api/k8s (the same conversion kube-controllers use in etcd mode).

import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import type { FelixConfiguration, FelixConfigurationSpec } from '../api/kind-felix-configuration';
import { EndpointIdentities } from './endpoint-identities';
import { PolicyInputs } from './policy-inputs';
import { flowLogSettings, type FlowLogSettings } from './flow-log-settings';
import { FlowLogService, type FlowLogStats, type NflogOpener } from './flow-log-service';
import { readRuleStats, type RuleStat } from './rule-stats';
import { RefIndex, ruleRefId } from './rules/rule-ref';
import { ProgrammedEndpoints } from './programmed-endpoints';
import type { Family, RuleRef, Ruleset } from './rules/ir';
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
  /** Opens the nflog socket of the denied-flow log; absent: flow logs cannot be switched on. */
  readonly nflog?: NflogOpener;
  readonly now?: () => number;
  /** Denied-flow log queue bound (default 10000). */
  readonly flowLogQueueLimit?: number;
  readonly onFlowLogError?: (err: unknown) => void;
}

export class PolicyDataplane extends PolicyInputs {
  /** This node's endpoints whose policy is in the kernel (the CNI service waits on it before answering ADD). */
  readonly programmed = new ProgrammedEndpoints();
  private builders: RulesetBuilder[] = [];
  private renderers: TableRenderer[] = [];
  private readonly owners: NftTableOwner[];
  private readonly families: readonly Family[];
  private readonly identities = new EndpointIdentities();
  /** Refs whose ids are hashed (rule-ref.ts), indexed on demand from the last rulesets. */
  private refs = new RefIndex();
  private lastRulesets: readonly Ruleset[] = [];
  /** The rendering the hashed-ref index was built from: an id unknown to it is stale, not worth a rebuild. */
  private refsIndexedFrom: readonly Ruleset[] | undefined;
  /** FelixConfiguration `default` and `node.<nodeName>` specs (flow-log settings). */
  private felix: { global?: FelixConfigurationSpec; node?: FelixConfigurationSpec } = {};
  private logSettings: FlowLogSettings | undefined;
  private readonly flowLog: FlowLogService | undefined;

  constructor(private readonly options: PolicyDataplaneOptions) {
    super((wep) => wep.spec?.node === options.nodeName);
    this.families = options.families ?? [4, 6];
    this.newBuilders();
    this.owners = this.families.map((f) => new NftTableOwner(options.runner, f === 4 ? 'ip' : 'ip6', options.table ?? 'gingham'));
    this.flowLog = options.nflog
      ? new FlowLogService({
          open: options.nflog,
          resolveRef: (id) => this.resolveRef(id),
          endpointOf: (ip) => this.identities.of(ip),
          now: options.now ?? Date.now,
          ...(options.flowLogQueueLimit !== undefined ? { queueLimit: options.flowLogQueueLimit } : {}),
          ...(options.onFlowLogError ? { onWriteError: options.onFlowLogError } : {}),
        })
      : undefined;
  }

  /** Builders and renderers for the current settings: a changed denial-log setting re-renders every chain. */
  private newBuilders(): void {
    const s = this.logSettings;
    const opts = {
      ...(this.options.interfacePrefix ? { interfacePrefix: this.options.interfacePrefix } : {}),
      ...(s ? { denialLog: { group: s.group, perSecond: s.perSecond, burst: s.burst } } : {}),
    };
    this.builders = this.families.map((f) => new RulesetBuilder(f, opts));
    this.renderers = this.families.map(() => new TableRenderer(this.options.table ?? 'gingham'));
  }

  /** FelixConfiguration `default` or this node's `node.<name>`: the denied-flow log's switch and settings. */
  setFelixConfiguration(c: FelixConfiguration): void {
    this.setFelixSpec(c.metadata.name, c.spec ?? {});
  }

  deleteFelixConfiguration(name: string): void {
    this.setFelixSpec(name, undefined);
  }

  private setFelixSpec(name: string, spec: FelixConfigurationSpec | undefined): void {
    if (name === 'default') this.felix = { ...this.felix, global: spec };
    else if (name === `node.${this.options.nodeName}`) this.felix = { ...this.felix, node: spec };
    else return;
    const next = this.flowLog ? flowLogSettings(this.felix.global, this.felix.node) : undefined;
    if (JSON.stringify(next) === JSON.stringify(this.logSettings)) return;
    this.logSettings = next;
    this.newBuilders();
  }

  /** The RuleRef a counter name or nflog prefix names (hashed ids through the refs rendered so far). */
  resolveRef(id: string): RuleRef | undefined {
    const found = this.refs.resolve(id);
    if (found || !id.startsWith('gh/') || this.refsIndexedFrom === this.lastRulesets) return found;
    // A hashed id not seen before: index the hashed refs of the rules in the kernel (rare: very long names only), once
    // per rendering, so a flood of logged packets from rules since removed does not rehash every rule per packet.
    this.refsIndexedFrom = this.lastRulesets;
    this.refs = new RefIndex();
    for (const rs of this.lastRulesets) for (const c of rs.chains.values()) for (const r of c.rules) if (r.ref && ruleRefId(r.ref).startsWith('gh/')) this.refs.add(r.ref);
    return this.refs.resolve(id);
  }

  /** Packet and byte counts per policy rule, read from the kernel now. */
  ruleStats(): Promise<RuleStat[]> {
    return readRuleStats(this.options.runner, this.owners.map((o) => o.family), this.options.table ?? 'gingham', (id) => this.resolveRef(id));
  }

  /** The denied-flow log's settings (undefined while off) and counts. */
  flowLogStatus(): { settings: FlowLogSettings | undefined; stats: FlowLogStats | undefined } {
    return { settings: this.logSettings, stats: this.flowLog?.stats() };
  }

  /** Stops the denied-flow log (the agent's shutdown). */
  async close(): Promise<void> {
    await this.flowLog?.close();
  }

  override setWorkloadEndpoint(wep: WorkloadEndpoint): ReturnType<PolicyInputs['setWorkloadEndpoint']> {
    const model = super.setWorkloadEndpoint(wep);
    this.identities.set(wep);
    if (model.local) this.programmed.set(model.id, wep.metadata.resourceVersion ?? '');
    else this.programmed.delete(model.id);
    return model;
  }

  override deleteWorkloadEndpoint(namespace: string, name: string): void {
    super.deleteWorkloadEndpoint(namespace, name);
    this.identities.delete(`${namespace}/${name}`);
    this.programmed.delete(`${namespace}/${name}`);
  }

  /** The tables as they would be written now (for `nft`-style display and tests). */
  rendered(): RenderedTable[] {
    const changes = this.resolver.takeChanges();
    this.lastRulesets = this.builders.map((b) => b.build(this.resolver, changes));
    return this.lastRulesets.map((rs, i) => (this.renderers[i] as TableRenderer).render(rs));
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
    // The log rules are in the kernel now: start (or stop) listening to them. A failure here (no permission for the
    // socket, an unwritable directory) leaves the policy enforced; the next apply tries again.
    await this.flowLog?.reconcile(this.logSettings).catch((err: unknown) => this.options.onFlowLogError?.(err));
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
