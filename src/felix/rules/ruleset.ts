// The whole policy ruleset of one family, in Felix's layout (felix/rules/{static,dispatch,endpoints,policy}.go):
// - base chains on forward and input: traffic of no workload interface is left alone; conntrack first
//   (established/related accepted, invalid dropped); the source pod's egress chain, then the destination pod's
//   ingress chain, through per-interface verdict maps; an unknown workload interface is dropped (fail closed);
//   pod -> host goes through the pod's egress policy and is then accepted (DefaultEndpointToHostAction Accept);
//   host -> local pod is never policed (no output chain), so kubelet probes always work;
// - endpoint chains, shared by every endpoint with the same (tiers, policies, profiles): clear the accept/pass
//   marks, per tier clear pass, jump to each policy unless passed, return once accepted, end-of-tier drop unless
//   the tier's default action is Pass; with no tier taking part, the profiles decide (kns.<ns> allows);
// - policy and profile chains: rules rendered by policy-rules.ts;
// - named sets for every selector and named port the rendered rules use.

import { createHash } from 'node:crypto';
import type { EndpointPolicies, PolicyChanges, PolicyResolver, TierPolicies } from '../calc/policy-resolver';
import type { RuleModel } from '../calc/policy-model';
import { disjointElements, hostAddress, isFamily } from './cidr-merge';
import { MARK_ACCEPT, MARK_PASS, setsUsed, type Chain, type Family, type Match, type NamedSet, type Rule, type RuleRef, type Ruleset, type VerdictMap } from './ir';
import { renderRule } from './policy-rules';
import { withDenialLogs, type DenialLogOptions } from './denial-log';
import { stagedEndpointChain, stagedPolicyChainName, stagedProfileChainName, stagedRules } from './staged-rules';

export interface RulesetOptions {
  /** Workload interface prefix (FelixConfiguration interfacePrefix). */
  interfacePrefix?: string;
  /** Log denials to nflog (FelixConfiguration flowLogsFileEnabled); off when absent. */
  denialLog?: DenialLogOptions;
}

export const CHAIN_FORWARD = 'forward';
export const CHAIN_INPUT = 'input';
export const CHAIN_FROM_WL = 'from-wl-dispatch';
export const CHAIN_TO_WL = 'to-wl-dispatch';
export const MAP_FROM_WL = 'from-wl';
export const MAP_TO_WL = 'to-wl';

const ACCEPTED: Match = { kind: 'mark', mask: MARK_ACCEPT, value: MARK_ACCEPT };
const NOT_PASSED: Match = { kind: 'mark', mask: MARK_PASS, value: 0 };

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function policyChainName(policyId: string, inbound: boolean): string {
  const name = `${inbound ? 'pi' : 'po'}-${policyId}`;
  return name.length <= 200 ? name : `${inbound ? 'pi' : 'po'}-${hash(policyId)}`;
}

export function profileChainName(profile: string, inbound: boolean): string {
  const name = `${inbound ? 'pri' : 'pro'}-${profile}`;
  return name.length <= 200 ? name : `${inbound ? 'pri' : 'pro'}-${hash(profile)}`;
}

/** A policy's or profile's chain for one direction; every rule carries its RuleRef (tier '' for a profile). */
function ruleChain(name: string, rules: readonly RuleModel[], family: Family, what: string, ref: Omit<RuleRef, 'rule'>, log: DenialLogOptions | undefined): Chain {
  return { name, rules: withDenialLogs(rules.flatMap((r, i) => renderRule(r, family, `${what} rule ${i}`, { ...ref, rule: i })), log) };
}

function baseChains(family: Family, prefix: string): Chain[] {
  const wl = `${prefix}*`;
  const conntrack: Rule[] = [
    { matches: [{ kind: 'ctState', states: ['established', 'related'] }], verdict: { kind: 'accept' }, comment: 'conntrack: reply or related to an allowed connection' },
    { matches: [{ kind: 'ctState', states: ['invalid'] }], verdict: { kind: 'drop' }, comment: 'conntrack: invalid' },
  ];
  const forward: Chain = {
    name: CHAIN_FORWARD,
    hook: { hook: 'forward', priority: 0 },
    rules: [
      { matches: [{ kind: 'iifname', name: wl, negate: true }, { kind: 'oifname', name: wl, negate: true }], verdict: { kind: 'return' }, comment: 'not workload traffic' },
      ...conntrack,
      { matches: [{ kind: 'iifname', name: wl }], verdict: { kind: 'jump', chain: CHAIN_FROM_WL }, comment: 'egress policy of the source workload' },
      { matches: [{ kind: 'oifname', name: wl }], verdict: { kind: 'jump', chain: CHAIN_TO_WL }, comment: 'ingress policy of the destination workload' },
      { matches: [ACCEPTED], verdict: { kind: 'accept' }, comment: 'policy accepted packet' },
    ],
  };
  const input: Chain = {
    name: CHAIN_INPUT,
    hook: { hook: 'input', priority: 0 },
    rules: [
      { matches: [{ kind: 'iifname', name: wl, negate: true }], verdict: { kind: 'return' }, comment: 'not from a workload' },
      ...conntrack,
      ...(family === 6
        ? [{ matches: [{ kind: 'protocol', protocols: ['icmpv6'] }, { kind: 'icmp', type: 133 }], verdict: { kind: 'accept' }, comment: 'ICMPv6 router solicitation' } as Rule,
           { matches: [{ kind: 'protocol', protocols: ['icmpv6'] }, { kind: 'icmp', type: 135 }], verdict: { kind: 'accept' }, comment: 'ICMPv6 neighbour solicitation' } as Rule,
           { matches: [{ kind: 'protocol', protocols: ['icmpv6'] }, { kind: 'icmp', type: 136 }], verdict: { kind: 'accept' }, comment: 'ICMPv6 neighbour advertisement' } as Rule]
        : []),
      { matches: [], verdict: { kind: 'jump', chain: CHAIN_FROM_WL }, comment: 'egress policy of the workload applies to workload -> host' },
      { matches: [], verdict: { kind: 'accept' }, comment: 'DefaultEndpointToHostAction Accept' },
    ],
  };
  const dispatch = (name: string, key: 'iifname' | 'oifname', map: string): Chain => ({
    name,
    rules: [
      { matches: [], verdict: { kind: 'vmap', key, map }, comment: 'per-endpoint dispatch' },
      { matches: [], verdict: { kind: 'drop' }, comment: 'unknown workload interface' },
    ],
  });
  return [forward, input, dispatch(CHAIN_FROM_WL, 'iifname', MAP_FROM_WL), dispatch(CHAIN_TO_WL, 'oifname', MAP_TO_WL)];
}

/** Dropped before any policy on a workload's egress: tunnel packets a pod must not forge (Felix's dispatch guards). */
export const WORKLOAD_EGRESS_GUARDS: readonly Rule[] = [
  { matches: [{ kind: 'protocol', protocols: ['udp'] }, { kind: 'ports', dir: 'dst', ports: [4789] }], verdict: { kind: 'drop' }, comment: 'drop VXLAN sent by a workload' },
  { matches: [{ kind: 'protocol', protocols: ['4'] }], verdict: { kind: 'drop' }, comment: 'drop IPIP sent by a workload' },
];

/**
 * The rules of an endpoint chain for one direction (felix/rules/endpoints.go endpointIptablesChain). With
 * `stagedChain`, an accepted packet goes on to that staged chain (staged-rules.ts) instead of returning.
 */
function endpointRules(tiers: readonly TierPolicies[], profiles: readonly string[], inbound: boolean, stagedChain: string | undefined): Rule[] {
  const accepted: Rule['verdict'] = stagedChain ? { kind: 'goto', chain: stagedChain } : { kind: 'return' };
  const direction = inbound ? 'ingress' : 'egress';
  const rules: Rule[] = [{ matches: [], verdict: { kind: 'clearMark', bits: MARK_ACCEPT | MARK_PASS }, comment: 'clear accept and pass marks' }];
  if (!inbound) rules.push(...WORKLOAD_EGRESS_GUARDS);
  for (const t of tiers) {
    rules.push({ matches: [], verdict: { kind: 'clearMark', bits: MARK_PASS }, comment: `start of tier ${t.tier}` });
    for (const p of t.policies) {
      rules.push({ matches: [NOT_PASSED], verdict: { kind: 'jump', chain: policyChainName(p, inbound) }, comment: `policy ${p}` });
      rules.push({ matches: [ACCEPTED], verdict: accepted, comment: `return if policy ${p} accepted` });
    }
    if (t.defaultAction === 'Deny') {
      const ref: RuleRef = { tier: t.tier, policy: '', direction, rule: 'end-of-tier' };
      rules.push({ matches: [NOT_PASSED], verdict: { kind: 'drop' }, comment: `end of tier ${t.tier}: drop if no policy passed the packet`, ref });
    }
  }
  for (const p of profiles) {
    rules.push({ matches: [], verdict: { kind: 'jump', chain: profileChainName(p, inbound) }, comment: `profile ${p}` });
    rules.push({ matches: [ACCEPTED], verdict: accepted, comment: `return if profile ${p} accepted` });
  }
  rules.push({ matches: [], verdict: { kind: 'drop' }, comment: 'drop if no profile matched', ref: { tier: '', policy: '', direction, rule: 'end-of-tier' } });
  return rules;
}

function endpointChain(tiers: readonly TierPolicies[], profiles: readonly string[], inbound: boolean, log: DenialLogOptions | undefined, stagedChain?: string): Chain {
  const key = JSON.stringify(stagedChain ? { tiers, profiles, stagedChain } : { tiers, profiles });
  return { name: `${inbound ? 'tw' : 'fw'}-${hash(key)}`, rules: withDenialLogs(endpointRules(tiers, profiles, inbound, stagedChain), log) };
}

/** The policies and profiles staged views walk, per direction: their shadow chains are rendered. */
type StagedUse = { in: Set<string>; out: Set<string>; inProfiles: Set<string>; outProfiles: Set<string> };

type EndpointChains = { ingress: Chain; egress: Chain; stagedIngress?: Chain; stagedEgress?: Chain };

/** An endpoint's chains: per direction the enforced one and, where its staged view differs, the staged one. */
function endpointChains(pol: EndpointPolicies, log: DenialLogOptions | undefined): EndpointChains {
  const si = pol.staged?.ingress && stagedEndpointChain(pol.staged.ingress, pol.profiles, true, log);
  const se = pol.staged?.egress && stagedEndpointChain(pol.staged.egress, pol.profiles, false, log);
  return {
    ingress: endpointChain(pol.ingress, pol.profiles, true, log, si?.name),
    egress: endpointChain(pol.egress, pol.profiles, false, log, se?.name),
    ...(si ? { stagedIngress: si } : {}),
    ...(se ? { stagedEgress: se } : {}),
  };
}

/** The IR set of one resolver IP set: a hash set of addresses while every member is one host, else intervals. */
export function setFromIpSet(resolver: PolicyResolver, id: string, family: Family): NamedSet | undefined {
  const s = resolver.ipSet(id);
  if (!s) return undefined;
  const members = s.members();
  if (s.spec.kind === 'net') {
    const comment = `selector ${s.spec.selector}`;
    const hosts = new Set<string>();
    for (const m of members) {
      if (!isFamily(m, family)) continue;
      const h = hostAddress(m, family);
      if (h === undefined) return { name: id, type: 'addr', elements: disjointElements(members, family), comment };
      hosts.add(h);
    }
    return { name: id, type: 'host', elements: [...hosts].sort(), comment };
  }
  const full = family === 4 ? '/32' : '/128';
  const elements = members
    .map((m) => m.split(' '))
    .filter(([cidr]) => cidr?.endsWith(full) && (family === 4) === !cidr.includes(':'))
    .map(([cidr, proto, port]) => `${cidr?.slice(0, -full.length)} . ${proto} . ${port}`)
    .sort();
  return { name: id, type: 'addr-proto-port', elements, comment: `named port ${s.spec.protocol}/${s.spec.portName} of ${s.spec.selector}` };
}

/**
 * Builds the ruleset of one family from the resolver's current state, incrementally: chains of policies and
 * profiles are memoised per model object and endpoint chains per resolution (the resolver replaces both when they
 * change), and a set's elements are derived again only when the resolver reports the set changed. Unchanged
 * objects keep their identity from one build to the next, so the renderer and the table owner skip them cheaply.
 */
export class RulesetBuilder {
  private readonly memo = new WeakMap<object, Partial<Record<'in' | 'out' | 'stagedIn' | 'stagedOut', Chain>>>();
  private readonly epMemo = new WeakMap<EndpointPolicies, EndpointChains>();
  private readonly setCache = new Map<string, NamedSet>();
  private readonly base: readonly Chain[];

  constructor(
    readonly family: Family,
    private readonly options: RulesetOptions = {},
  ) {
    this.base = baseChains(family, options.interfacePrefix ?? 'cali');
  }

  /**
   * The ruleset now. `changes` must be what the resolver's takeChanges() returned since this builder's previous
   * build (every call, so no set change is missed); without it every cache is dropped and everything is derived
   * again (the full rebuild, also the reference the incremental build is tested against).
   */
  build(resolver: PolicyResolver, changes?: PolicyChanges): Ruleset {
    if (changes) for (const id of changes.ipSets) this.setCache.delete(id);
    else this.setCache.clear();
    const log = this.options.denialLog;
    const chains = new Map<string, Chain>();
    for (const c of this.base) chains.set(c.name, c);
    const fromWl = new Map<string, string>();
    const toWl = new Map<string, string>();
    const policies = new Set<string>();
    const profiles = new Set<string>();
    const staged: StagedUse = { in: new Set(), out: new Set(), inProfiles: new Set(), outProfiles: new Set() };
    for (const ep of resolver.localEndpoints()) {
      const pol = resolver.endpointPolicies(ep.id);
      if (!pol) continue;
      let pair = changes ? this.epMemo.get(pol) : undefined;
      if (!pair) this.epMemo.set(pol, (pair = endpointChains(pol, log)));
      chains.set(pair.ingress.name, pair.ingress);
      chains.set(pair.egress.name, pair.egress);
      toWl.set(ep.interfaceName, pair.ingress.name);
      fromWl.set(ep.interfaceName, pair.egress.name);
      for (const t of pol.ingress) for (const p of t.policies) policies.add(p);
      for (const t of pol.egress) for (const p of t.policies) policies.add(p);
      for (const p of pol.profiles) profiles.add(p);
      const views = [
        [pair.stagedIngress, pol.staged?.ingress, staged.in, staged.inProfiles],
        [pair.stagedEgress, pol.staged?.egress, staged.out, staged.outProfiles],
      ] as const;
      for (const [c, tiers, ids, profs] of views) {
        if (!c || !tiers) continue;
        chains.set(c.name, c);
        for (const t of tiers) for (const p of t.policies) ids.add(p);
        for (const p of pol.profiles) profs.add(p);
      }
    }
    for (const id of policies) {
      const p = resolver.activePolicy(id);
      if (!p) continue;
      chains.set(policyChainName(id, true), this.memoChain(p, 'in', () => ruleChain(policyChainName(id, true), p.inbound, this.family, `policy ${id} ingress`, { tier: p.tier, policy: id, direction: 'ingress' }, log), !changes));
      chains.set(policyChainName(id, false), this.memoChain(p, 'out', () => ruleChain(policyChainName(id, false), p.outbound, this.family, `policy ${id} egress`, { tier: p.tier, policy: id, direction: 'egress' }, log), !changes));
    }
    this.addStagedChains(chains, resolver, staged, !changes);
    for (const name of profiles) {
      const p = resolver.profile(name);
      if (!p) continue;
      chains.set(profileChainName(name, true), this.memoChain(p, 'in', () => ruleChain(profileChainName(name, true), p.inbound, this.family, `profile ${name} ingress`, { tier: '', policy: name, direction: 'ingress' }, log), !changes));
      chains.set(profileChainName(name, false), this.memoChain(p, 'out', () => ruleChain(profileChainName(name, false), p.outbound, this.family, `profile ${name} egress`, { tier: '', policy: name, direction: 'egress' }, log), !changes));
    }
    const used = new Set<string>();
    for (const c of chains.values()) for (const n of setsUsed(c)) used.add(n);
    const sets = new Map<string, NamedSet>();
    for (const id of [...used].sort()) {
      let set = this.setCache.get(id);
      // A set the resolver does not hold (never expected) is written empty so the table stays loadable.
      if (!set) this.setCache.set(id, (set = setFromIpSet(resolver, id, this.family) ?? { name: id, type: id.startsWith('n') ? 'addr-proto-port' : 'host', elements: [] }));
      sets.set(id, set);
    }
    for (const id of this.setCache.keys()) if (!used.has(id)) this.setCache.delete(id);
    const maps = new Map<string, VerdictMap>([
      [MAP_FROM_WL, { name: MAP_FROM_WL, key: 'ifname', entries: fromWl }],
      [MAP_TO_WL, { name: MAP_TO_WL, key: 'ifname', entries: toWl }],
    ]);
    return { family: this.family, chains, sets, maps };
  }

  /** The shadow chains of the policies and profiles staged views walk (staged-rules.ts), from their enforced form. */
  private addStagedChains(chains: Map<string, Chain>, resolver: PolicyResolver, staged: StagedUse, fresh: boolean): void {
    const log = this.options.denialLog;
    const shadow = (model: object, dir: 'in' | 'out', name: string, enforced: () => Chain): void => {
      const key = dir === 'in' ? 'stagedIn' : 'stagedOut';
      chains.set(name, this.memoChain(model, key, () => ({ name, rules: stagedRules(enforced().rules, log) }), fresh));
    };
    for (const [dir, ids, profiles] of [['in', staged.in, staged.inProfiles], ['out', staged.out, staged.outProfiles]] as const) {
      const inbound = dir === 'in';
      const direction = inbound ? 'ingress' : 'egress';
      for (const id of ids) {
        const p = resolver.activePolicy(id);
        if (!p) continue;
        const what = `policy ${id} ${direction}`;
        // A staged policy counts under the name of the policy it would be (its staged ref tells them apart), so the
        // staged walk reads as the enforced one would if the staged policies were enforced.
        const ref = { tier: p.tier, policy: p.staged?.replaces ?? id, direction } as const;
        shadow(p, dir, stagedPolicyChainName(id, inbound), () => this.memoChain(p, dir, () => ruleChain(policyChainName(id, inbound), inbound ? p.inbound : p.outbound, this.family, what, ref, log), fresh));
      }
      for (const name of profiles) {
        const p = resolver.profile(name);
        if (!p) continue;
        const what = `profile ${name} ${direction}`;
        shadow(p, dir, stagedProfileChainName(name, inbound), () => this.memoChain(p, dir, () => ruleChain(profileChainName(name, inbound), inbound ? p.inbound : p.outbound, this.family, what, { tier: '', policy: name, direction }, log), fresh));
      }
    }
  }

  private memoChain(model: object, dir: 'in' | 'out' | 'stagedIn' | 'stagedOut', make: () => Chain, fresh: boolean): Chain {
    let rec = this.memo.get(model);
    if (!rec) this.memo.set(model, (rec = {}));
    if (fresh) rec[dir] = make();
    return (rec[dir] ??= make());
  }
}
