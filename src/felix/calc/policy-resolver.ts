// The policy calculation of one node (felix/calc/{policy_resolver,policy_sorter,active_rules_calculator,
// rule_scanner}.go in one incremental object):
// - which policies apply to each local endpoint, per direction, ordered by tier (order, absent last, ties by name)
//   then policy (policy-model comparePolicies); a tier takes part only if one of its policies applies;
// - where staged policies concern an endpoint, the staged view beside it: the same ordering with each staged policy
//   in place of its enforced namesake (a staged Delete removing it) and the staged policies that select the
//   endpoint in their tiers; nothing is computed while no staged policy exists;
// - which policies are active (apply to a local endpoint) and so which rule selectors need IP sets;
// - the IP sets' members (all endpoints and network sets of the cluster that a selector matches).
// Two label indexes do the matching: policy selectors against local endpoints, rule selectors against every
// endpoint and network set. Changes are collected and handed out by takeChanges(); resolution of an endpoint is
// deferred to then, so a burst of updates resolves each touched endpoint once.

import { compileSelector } from '../../api/selector';
import { LEGACY_ADMIN_TIERS } from '../../api/k8s';
import { BUILTIN_TIERS, type TierAction } from '../../api/kind-tier';
import type { WorkloadEndpointPort } from '../../api/kind-workload-endpoint';
import { IpSet, ipSetId, ipSetKey, namedPortMember, type IpSetKind } from './ip-sets';
import { LabelIndex } from './label-index';
import { comparePolicies, type PolicyModel, type ProfileModel, type RuleModel } from './policy-model';

export interface EndpointModel {
  /** Unique id, e.g. `<namespace>/<workload endpoint name>`. */
  id: string;
  interfaceName: string;
  labels: Readonly<Record<string, string>>;
  profiles: readonly string[];
  /** Addresses as CIDRs (`10.0.0.5/32`). */
  ipNets: readonly string[];
  ports?: readonly WorkloadEndpointPort[];
  /** On this node: policy is enforced for it. Remote endpoints only feed IP sets. */
  local: boolean;
}

export interface NetworkSetModel {
  id: string;
  labels: Readonly<Record<string, string>>;
  nets: readonly string[];
}

export interface TierModel {
  name: string;
  order?: number;
  defaultAction: TierAction;
}

export interface TierPolicies {
  tier: string;
  defaultAction: TierAction;
  /** Policy ids in evaluation order. */
  policies: readonly string[];
}

export interface EndpointPolicies {
  ingress: readonly TierPolicies[];
  egress: readonly TierPolicies[];
  /**
   * The staged evaluation, per direction, only where it differs from the enforced one: the tiers and policies with
   * every staged policy in place of its enforced namesake (a staged Delete removing it) and staged policies that
   * select the endpoint added in their tiers. Absent when no staged policy concerns the endpoint.
   */
  staged?: { readonly ingress?: readonly TierPolicies[]; readonly egress?: readonly TierPolicies[] };
  /** Profiles the endpoint names that exist, in the endpoint's order. */
  profiles: readonly string[];
}

export interface PolicyChanges {
  endpoints: Set<string>;
  policies: Set<string>;
  profiles: Set<string>;
  ipSets: Set<string>;
}

export interface ResolverStats {
  endpointResolutions: number;
}

const NETSET = 'netset:';

function ruleIpSets(rules: readonly RuleModel[]): Array<{ kind: IpSetKind; selector: string; protocol?: string; portName?: string }> {
  const out: Array<{ kind: IpSetKind; selector: string; protocol?: string; portName?: string }> = [];
  for (const r of rules) {
    for (const e of [r.src, r.dst]) {
      if (e.selector) out.push({ kind: 'net', selector: e.selector });
      if (e.notSelector) out.push({ kind: 'net', selector: e.notSelector });
      for (const p of [...(e.ports ?? []), ...(e.notPorts ?? [])]) {
        if (typeof p === 'string' && !/^\d+(:\d+)?$/.test(p)) {
          out.push({ kind: 'named-port', selector: e.selector || 'all()', protocol: r.protocol ?? 'tcp', portName: p });
        }
      }
    }
  }
  return out;
}

export class PolicyResolver {
  readonly stats: ResolverStats = { endpointResolutions: 0 };
  private readonly tiers = new Map<string, TierModel>();
  private readonly policies = new Map<string, PolicyModel>();
  private readonly profiles = new Map<string, ProfileModel>();
  private readonly endpoints = new Map<string, EndpointModel>();
  private readonly netsets = new Map<string, NetworkSetModel>();
  private readonly resolved = new Map<string, EndpointPolicies>();
  private readonly ipSets = new Map<string, IpSet>();
  /** ip set id -> references from active policies/profiles. */
  private readonly ipSetRefs = new Map<string, number>();
  /** selector text -> ip set ids built on it. */
  private readonly setsBySelector = new Map<string, Set<string>>();
  /** profile name -> local endpoints naming it. */
  private readonly profileUsers = new Map<string, Set<string>>();
  private readonly activePolicies = new Set<string>();
  /** Enforced policy id -> the staged policy standing in for it (Set, Learn or Delete). */
  private readonly stagedFor = new Map<string, string>();
  private readonly dirtyEndpoints = new Set<string>();
  private changes: PolicyChanges = { endpoints: new Set(), policies: new Set(), profiles: new Set(), ipSets: new Set() };

  /** Policy selectors (id = policy id) against local endpoints. */
  readonly subjects = new LabelIndex({
    matchStarted: (policyId, epId) => this.subjectMatch(policyId, epId, true),
    matchStopped: (policyId, epId) => this.subjectMatch(policyId, epId, false),
  });

  /** Rule selectors (id = selector text) against every endpoint and network set. */
  readonly peers = new LabelIndex({
    matchStarted: (sel, itemId) => this.peerMatch(sel, itemId, true),
    matchStopped: (sel, itemId) => this.peerMatch(sel, itemId, false),
  });

  setTier(t: TierModel): void {
    this.tiers.set(t.name, t);
    this.touchTier(t.name);
  }

  deleteTier(name: string): void {
    this.tiers.delete(name);
    this.touchTier(name);
  }

  setPolicy(p: PolicyModel): void {
    const old = this.policies.get(p.id);
    const wasActive = this.activePolicies.has(p.id);
    if (wasActive && old) this.refRuleSets([...old.inbound, ...old.outbound], -1);
    this.policies.set(p.id, p);
    if (wasActive) this.refRuleSets([...p.inbound, ...p.outbound], +1);
    // A staged Delete selects nothing: it only takes its enforced namesake out of the staged evaluation.
    if (p.staged?.deletes) this.subjects.deleteSelector(p.id);
    else this.subjects.setSelector(p.id, compileSelector(p.selector));
    if (p.staged) this.standIn(p.staged.replaces, p.id);
    if (old && (old.order !== p.order || old.tier !== p.tier || old.ingress !== p.ingress || old.egress !== p.egress)) {
      for (const ep of this.subjects.itemsMatching(p.id)) this.dirtyEndpoints.add(ep);
    }
    this.changes.policies.add(p.id);
  }

  deletePolicy(id: string): void {
    const old = this.policies.get(id);
    if (!old) return;
    this.subjects.deleteSelector(id);
    this.policies.delete(id);
    if (old.staged) this.standIn(old.staged.replaces, undefined);
    this.changes.policies.add(id);
  }

  setProfile(p: ProfileModel): void {
    const old = this.profiles.get(p.name);
    const used = (this.profileUsers.get(p.name)?.size ?? 0) > 0;
    if (used && old) this.refRuleSets([...old.inbound, ...old.outbound], -1);
    this.profiles.set(p.name, p);
    if (used) this.refRuleSets([...p.inbound, ...p.outbound], +1);
    this.subjects.setParent(p.name, p.labels);
    this.peers.setParent(p.name, p.labels);
    if (!old) for (const ep of this.profileUsers.get(p.name) ?? []) this.dirtyEndpoints.add(ep);
    this.changes.profiles.add(p.name);
  }

  deleteProfile(name: string): void {
    const old = this.profiles.get(name);
    if (!old) return;
    if ((this.profileUsers.get(name)?.size ?? 0) > 0) this.refRuleSets([...old.inbound, ...old.outbound], -1);
    this.profiles.delete(name);
    this.subjects.setParent(name, undefined);
    this.peers.setParent(name, undefined);
    for (const ep of this.profileUsers.get(name) ?? []) this.dirtyEndpoints.add(ep);
    this.changes.profiles.add(name);
  }

  setEndpoint(ep: EndpointModel): void {
    const old = this.endpoints.get(ep.id);
    if (old?.local && !ep.local) this.dropLocal(old);
    this.endpoints.set(ep.id, ep);
    if (old && (old.ipNets.join() !== ep.ipNets.join() || JSON.stringify(old.ports ?? []) !== JSON.stringify(ep.ports ?? []))) {
      for (const sel of this.peers.selectorsMatching(ep.id)) this.peerMatch(sel, ep.id, true);
    }
    this.peers.setItem(ep.id, ep.labels, ep.profiles);
    if (ep.local) {
      if (old?.local) for (const p of old.profiles) this.unuseProfile(p, ep.id);
      for (const p of ep.profiles) this.useProfile(p, ep.id);
      this.subjects.setItem(ep.id, ep.labels, ep.profiles);
      this.dirtyEndpoints.add(ep.id);
    }
  }

  deleteEndpoint(id: string): void {
    const old = this.endpoints.get(id);
    if (!old) return;
    if (old.local) this.dropLocal(old);
    this.peers.deleteItem(id);
    this.endpoints.delete(id);
  }

  setNetworkSet(ns: NetworkSetModel): void {
    const id = NETSET + ns.id;
    const old = this.netsets.get(id);
    this.netsets.set(id, ns);
    if (old && old.nets.join() !== ns.nets.join()) for (const sel of this.peers.selectorsMatching(id)) this.peerMatch(sel, id, true);
    this.peers.setItem(id, ns.labels, []);
  }

  deleteNetworkSet(nsId: string): void {
    const id = NETSET + nsId;
    this.peers.deleteItem(id);
    this.netsets.delete(id);
  }

  /** Resolves the endpoints touched since the last call and returns everything that changed. */
  takeChanges(): PolicyChanges {
    for (const id of this.dirtyEndpoints) this.resolve(id);
    this.dirtyEndpoints.clear();
    const out = this.changes;
    this.changes = { endpoints: new Set(), policies: new Set(), profiles: new Set(), ipSets: new Set() };
    return out;
  }

  endpointPolicies(id: string): EndpointPolicies | undefined {
    return this.resolved.get(id);
  }

  localEndpoints(): EndpointModel[] {
    return [...this.resolved.keys()].map((id) => this.endpoints.get(id)).filter((e): e is EndpointModel => e !== undefined);
  }

  endpoint(id: string): EndpointModel | undefined {
    return this.endpoints.get(id);
  }

  /** A policy that applies to at least one local endpoint; undefined otherwise. */
  activePolicy(id: string): PolicyModel | undefined {
    return this.activePolicies.has(id) ? this.policies.get(id) : undefined;
  }

  profile(name: string): ProfileModel | undefined {
    return this.profiles.get(name);
  }

  ipSet(id: string): IpSet | undefined {
    return this.ipSets.get(id);
  }

  /** The id of the set a rule's selector (or named port) is rendered against. */
  static ipSetIdFor(kind: IpSetKind, selector: string, protocol?: string, portName?: string): string {
    return ipSetId(ipSetKey(kind, selector, protocol, portName));
  }

  allIpSets(): IpSet[] {
    return [...this.ipSets.values()];
  }

  /**
   * A tier's model; a built-in tier not (yet) in the datastore has its fixed order and action, as the tiers Calico
   * creates at start-up have. Calico v3.31's names of the admin tiers (adminnetworkpolicy, baselineadminnetworkpolicy)
   * read as kube-admin and kube-baseline.
   */
  tierOf(name: string): TierModel | undefined {
    const own = this.tiers.get(name);
    if (own) return own;
    const builtin = BUILTIN_TIERS[LEGACY_ADMIN_TIERS[name] ?? name];
    return builtin ? { name, order: builtin.order, defaultAction: builtin.defaultAction } : undefined;
  }

  /** Records which staged policy stands in for an enforced one; the enforced one's endpoints resolve again. */
  private standIn(enforcedId: string, stagedId: string | undefined): void {
    if (stagedId === undefined) this.stagedFor.delete(enforcedId);
    else this.stagedFor.set(enforcedId, stagedId);
    for (const ep of this.subjects.itemsMatching(enforcedId)) this.dirtyEndpoints.add(ep);
  }

  private touchTier(name: string): void {
    for (const p of this.policies.values()) {
      if (p.tier === name) for (const ep of this.subjects.itemsMatching(p.id)) this.dirtyEndpoints.add(ep);
    }
  }

  private dropLocal(old: EndpointModel): void {
    for (const p of old.profiles) this.unuseProfile(p, old.id);
    this.subjects.deleteItem(old.id);
    this.resolved.delete(old.id);
    this.dirtyEndpoints.delete(old.id);
    this.changes.endpoints.add(old.id);
  }

  private useProfile(name: string, epId: string): void {
    let users = this.profileUsers.get(name);
    if (!users) this.profileUsers.set(name, (users = new Set()));
    if (users.has(epId)) return;
    users.add(epId);
    const prof = this.profiles.get(name);
    if (users.size === 1 && prof) {
      this.refRuleSets([...prof.inbound, ...prof.outbound], +1);
      this.changes.profiles.add(name);
    }
  }

  private unuseProfile(name: string, epId: string): void {
    const users = this.profileUsers.get(name);
    if (!users?.delete(epId)) return;
    if (users.size > 0) return;
    this.profileUsers.delete(name);
    const prof = this.profiles.get(name);
    if (prof) {
      this.refRuleSets([...prof.inbound, ...prof.outbound], -1);
      this.changes.profiles.add(name);
    }
  }

  private subjectMatch(policyId: string, epId: string, started: boolean): void {
    this.dirtyEndpoints.add(epId);
    const n = this.subjects.itemsMatching(policyId).size;
    const policy = this.policies.get(policyId);
    if (started && n === 1 && !this.activePolicies.has(policyId) && policy) {
      this.activePolicies.add(policyId);
      this.refRuleSets([...policy.inbound, ...policy.outbound], +1);
      this.changes.policies.add(policyId);
    } else if (!started && n === 0 && this.activePolicies.has(policyId)) {
      this.activePolicies.delete(policyId);
      if (policy) this.refRuleSets([...policy.inbound, ...policy.outbound], -1);
      this.changes.policies.add(policyId);
    }
  }

  private refRuleSets(rules: readonly RuleModel[], delta: 1 | -1): void {
    for (const s of ruleIpSets(rules)) {
      const id = ipSetId(ipSetKey(s.kind, s.selector, s.protocol, s.portName));
      const n = (this.ipSetRefs.get(id) ?? 0) + delta;
      if (n > 0) this.ipSetRefs.set(id, n);
      else this.ipSetRefs.delete(id);
      if (delta > 0 && n === 1) this.createIpSet(id, s);
      if (delta < 0 && n === 0) this.dropIpSet(id);
    }
  }

  private createIpSet(id: string, s: { kind: IpSetKind; selector: string; protocol?: string; portName?: string }): void {
    this.ipSets.set(id, new IpSet({ id, ...s }));
    let ids = this.setsBySelector.get(s.selector);
    if (!ids) this.setsBySelector.set(s.selector, (ids = new Set()));
    ids.add(id);
    this.changes.ipSets.add(id);
    if (this.peers.hasSelector(s.selector)) {
      for (const item of this.peers.itemsMatching(s.selector)) this.contribute(id, item);
    } else {
      this.peers.setSelector(s.selector, compileSelector(s.selector));
    }
  }

  private dropIpSet(id: string): void {
    const set = this.ipSets.get(id);
    if (!set) return;
    this.ipSets.delete(id);
    this.changes.ipSets.add(id);
    const ids = this.setsBySelector.get(set.spec.selector);
    ids?.delete(id);
    if (ids && ids.size === 0) {
      this.setsBySelector.delete(set.spec.selector);
      this.peers.deleteSelector(set.spec.selector);
    }
  }

  private peerMatch(selector: string, itemId: string, started: boolean): void {
    for (const id of this.setsBySelector.get(selector) ?? []) {
      if (started) this.contribute(id, itemId);
      else if (this.ipSets.get(id)?.setContribution(itemId, [])) this.changes.ipSets.add(id);
    }
  }

  private contribute(setId: string, itemId: string): void {
    const set = this.ipSets.get(setId);
    if (!set) return;
    // Endpoint and network set models are replaced, never mutated, so their address lists are shared as is.
    let members: readonly string[] = [];
    const ep = this.endpoints.get(itemId);
    if (set.spec.kind === 'net') members = ep ? ep.ipNets : (this.netsets.get(itemId)?.nets ?? []);
    else if (ep) {
      const named: string[] = [];
      members = named;
      for (const port of ep.ports ?? []) {
        if (port.name !== set.spec.portName || port.protocol.toLowerCase() !== set.spec.protocol) continue;
        for (const net of ep.ipNets) named.push(namedPortMember(net, set.spec.protocol, port.port));
      }
    }
    if (set.setContribution(itemId, members)) this.changes.ipSets.add(setId);
  }

  private tierSortKey(name: string): [number, number, string] {
    const t = this.tierOf(name);
    // Policies of a tier that does not exist sort after every valid tier (policy_sorter.go TierLess).
    return [t ? 0 : 1, t?.order ?? Infinity, name];
  }

  private resolve(epId: string): void {
    const ep = this.endpoints.get(epId);
    if (!ep?.local) return;
    this.stats.endpointResolutions++;
    const applying = [...this.subjects.selectorsMatching(epId)].map((id) => this.policies.get(id)).filter((p): p is PolicyModel => p !== undefined);
    const enforced = applying.filter((p) => !p.staged);
    const byDirection = (dir: 'ingress' | 'egress', policies: readonly PolicyModel[]): TierPolicies[] => {
      const byTier = new Map<string, PolicyModel[]>();
      for (const p of policies) {
        if (!p[dir]) continue;
        let list = byTier.get(p.tier);
        if (!list) byTier.set(p.tier, (list = []));
        list.push(p);
      }
      const names = [...byTier.keys()].sort((a, b) => {
        const [va, oa, na] = this.tierSortKey(a);
        const [vb, ob, nb] = this.tierSortKey(b);
        if (va !== vb) return va - vb;
        if (oa !== ob) return oa < ob ? -1 : 1;
        return na < nb ? -1 : na > nb ? 1 : 0;
      });
      return names.map((tier) => ({
        tier,
        defaultAction: this.tierOf(tier)?.defaultAction ?? 'Deny',
        policies: (byTier.get(tier) ?? []).sort(comparePolicies).map((p) => p.id),
      }));
    };
    const next: EndpointPolicies = { ingress: byDirection('ingress', enforced), egress: byDirection('egress', enforced), profiles: ep.profiles.filter((p) => this.profiles.has(p)) };
    if (this.stagedFor.size > 0) {
      const view = applying.filter((p) => (p.staged ? !p.staged.deletes : !this.stagedFor.has(p.id)));
      if (view.length !== enforced.length || view.some((p) => p.staged)) {
        const staged: { ingress?: TierPolicies[]; egress?: TierPolicies[] } = {};
        for (const dir of ['ingress', 'egress'] as const) {
          const tiers = byDirection(dir, view);
          if (JSON.stringify(tiers) !== JSON.stringify(next[dir])) staged[dir] = tiers;
        }
        if (staged.ingress || staged.egress) next.staged = staged;
      }
    }
    const prev = this.resolved.get(epId);
    this.resolved.set(epId, next);
    if (!prev || JSON.stringify(prev) !== JSON.stringify(next)) this.changes.endpoints.add(epId);
  }
}
