// The policy walk of one endpoint in one direction for one packet, as the endpoint chain that ruleset.ts renders
// (endpointRules) takes it: the workload egress guards; then per tier, in the resolver's order, each policy until one
// allows (accepted), denies (dropped) or passes (the rest of the tier is skipped), and the end-of-tier drop unless the
// tier passed or its default action is Pass; then the profiles (a Pass there only ends that profile); and the final
// drop. Each policy's and profile's rules are the IR rules renderRule (policy-rules.ts) writes for the kernel, judged
// by ir-match.ts against the sets the ruleset carries, so rule-level details (protocol defaults, named ports, ipBlock
// except, ICMP type/code, the other family's rules rendering to nothing) are decided by the renderer's own code.
// Pure: reads the resolver, no I/O.

import type { TierAction } from '../../api/kind-tier';
import type { EndpointPolicies, PolicyResolver } from '../calc/policy-resolver';
import type { RuleModel } from '../calc/policy-model';
import { MARK_ACCEPT, MARK_PASS, type NamedSet, type Verdict } from './ir';
import { ruleMatches, type Packet, type SetLookup } from './ir-match';
import { renderRule } from './policy-rules';
import { setFromIpSet, WORKLOAD_EGRESS_GUARDS } from './ruleset';

export type Direction = 'ingress' | 'egress';
/** What a policy's (or profile's) rules did with the packet. */
export type Outcome = 'Allow' | 'Deny' | 'Pass' | 'no match';

export interface PolicyStep {
  readonly policy: string;
  readonly outcome: Outcome;
  /** Index of the deciding rule in the policy's ingress/egress list. */
  readonly rule?: number;
  /** Log rules that matched on the way (logged, then evaluation continued). */
  readonly logged: readonly number[];
  /** Skipped: an earlier policy of the tier passed the packet. */
  readonly skipped?: boolean;
  /** A staged policy (only in a staged walk): what it would do, never enforced. */
  readonly staged?: boolean;
}

export interface TierStep {
  readonly tier: string;
  readonly defaultAction: TierAction;
  readonly policies: readonly PolicyStep[];
}

export interface ProfileStep {
  readonly profile: string;
  readonly outcome: Outcome;
  readonly rule?: number;
  readonly logged: readonly number[];
}

export type Decision =
  | { readonly kind: 'guard'; readonly reason: string }
  | { readonly kind: 'rule'; readonly tier: string; readonly policy: string; readonly rule: number; readonly action: 'Allow' | 'Deny' }
  | { readonly kind: 'end-of-tier'; readonly tier: string }
  | { readonly kind: 'profile'; readonly profile: string; readonly rule: number; readonly action: 'Allow' | 'Deny' }
  | { readonly kind: 'no-profile-matched' };

export interface DirectionWalk {
  readonly direction: Direction;
  readonly verdict: 'allow' | 'deny';
  readonly decidedBy: Decision;
  /** No policy selects the endpoint in this direction: its profiles decide. */
  readonly noPolicy: boolean;
  readonly tiers: readonly TierStep[];
  readonly profiles: readonly ProfileStep[];
}

/** The outcome of an IR verdict in a policy or profile chain: a decision, or undefined to continue (log, nflog). */
function outcomeOf(v: Verdict): Exclude<Outcome, 'no match'> | undefined {
  if (v.kind === 'drop') return 'Deny';
  if (v.kind === 'markReturn' && v.bits & MARK_ACCEPT) return 'Allow';
  if (v.kind === 'markReturn' && v.bits & MARK_PASS) return 'Pass';
  return undefined;
}

/** The rules of one policy or profile chain against the packet: the first deciding match, and the Log rules hit before it. */
function walkRules(rules: readonly RuleModel[], p: Packet, sets: SetLookup, what: string): { outcome: Outcome; rule?: number; logged: number[] } {
  const logged: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    // Every IR rule of the policy rule in order, as the chain runs them: a log (or nflog) rule continues to the next.
    for (const ir of renderRule(rules[i] as RuleModel, p.family, `${what} rule ${i}`)) {
      if (!ruleMatches(ir, p, sets)) continue;
      const outcome = outcomeOf(ir.verdict);
      if (outcome !== undefined) return { outcome, rule: i, logged };
      if (ir.verdict.kind === 'log' && !logged.includes(i)) logged.push(i);
    }
  }
  return { outcome: 'no match', logged };
}

/** The sets of the resolver as the ruleset of the packet's family holds them (memoised for one walk). */
export function setLookup(resolver: PolicyResolver, family: Packet['family']): SetLookup {
  const memo = new Map<string, NamedSet | undefined>();
  return (name) => {
    if (!memo.has(name)) memo.set(name, setFromIpSet(resolver, name, family));
    return memo.get(name);
  };
}

/**
 * Walks the endpoint's policies of one direction for the packet. `policies` is what the resolver resolved for the
 * endpoint (resolver.endpointPolicies): the same lists the endpoint chain is rendered from.
 */
export function walkEndpoint(resolver: PolicyResolver, policies: EndpointPolicies, direction: Direction, p: Packet, sets: SetLookup = setLookup(resolver, p.family)): DirectionWalk {
  const inbound = direction === 'ingress';
  const tiersList = inbound ? policies.ingress : policies.egress;
  const base = { direction, noPolicy: tiersList.length === 0 };
  if (!inbound) {
    const guard = WORKLOAD_EGRESS_GUARDS.find((r) => ruleMatches(r, p, sets));
    if (guard) return { ...base, verdict: 'deny', decidedBy: { kind: 'guard', reason: guard.comment ?? 'workload egress guard' }, tiers: [], profiles: [] };
  }
  const tiers: TierStep[] = [];
  for (const t of tiersList) {
    const steps: PolicyStep[] = [];
    tiers.push({ tier: t.tier, defaultAction: t.defaultAction, policies: steps });
    let passed = false;
    for (const id of t.policies) {
      const model = resolver.activePolicy(id);
      const staged = model?.staged ? { staged: true } : {};
      if (passed) {
        steps.push({ policy: id, outcome: 'no match', logged: [], skipped: true, ...staged });
        continue;
      }
      const r = walkRules((inbound ? model?.inbound : model?.outbound) ?? [], p, sets, `policy ${id} ${direction}`);
      steps.push({ policy: id, ...r, ...staged });
      if (r.outcome === 'Allow' || r.outcome === 'Deny') {
        return { ...base, verdict: r.outcome === 'Allow' ? 'allow' : 'deny', decidedBy: { kind: 'rule', tier: t.tier, policy: id, rule: r.rule as number, action: r.outcome }, tiers, profiles: [] };
      }
      if (r.outcome === 'Pass') passed = true;
    }
    if (!passed && t.defaultAction === 'Deny') return { ...base, verdict: 'deny', decidedBy: { kind: 'end-of-tier', tier: t.tier }, tiers, profiles: [] };
  }
  const profiles: ProfileStep[] = [];
  for (const name of policies.profiles) {
    const model = resolver.profile(name);
    const r = walkRules((inbound ? model?.inbound : model?.outbound) ?? [], p, sets, `profile ${name} ${direction}`);
    profiles.push({ profile: name, ...r });
    if (r.outcome === 'Allow' || r.outcome === 'Deny') {
      return { ...base, verdict: r.outcome === 'Allow' ? 'allow' : 'deny', decidedBy: { kind: 'profile', profile: name, rule: r.rule as number, action: r.outcome }, tiers, profiles };
    }
  }
  return { ...base, verdict: 'deny', decidedBy: { kind: 'no-profile-matched' }, tiers, profiles };
}
