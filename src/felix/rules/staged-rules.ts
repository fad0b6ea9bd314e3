// The staged evaluation in the IR: what staged policies would do to a packet, counted and logged, never enforced.
//
// Only endpoints whose staged view differs from the enforced one (policy-resolver.ts EndpointPolicies.staged) get
// it; for every other endpoint nothing here is rendered, so their chains and their cost are unchanged. For such an
// endpoint, each place where its enforced endpoint chain would return with the packet accepted goes instead
// (`goto`) to its staged chain, so the staged view is walked only for packets the enforced policy accepts: a packet
// the enforced policy drops is already logged as denied, and one that both would drop needs no second line.
// The staged chain walks the staged view as the enforced chain walks its tiers, with two marks of its own
// (MARK_STAGED_DECIDED, MARK_STAGED_PASS; ir.ts) so the enforced accept mark it was reached with is never touched,
// through shadow copies of the policy and profile chains (`spi-`/`spo-`, `spri-`/`spro-`): Allow sets the decided
// mark, Pass the staged pass mark, Deny logs the would-be denial (denial-log.ts, when denial logging is on) and sets
// the decided mark, Log does nothing (the enforced chain already logged). The end of a tier, and of the profiles,
// count and log a would-be denial and return. Every counted rule carries its RuleRef with `staged: true`; a staged
// policy's rules count under the id of the enforced policy it would be (ruleset.ts), so stats and the flow log read
// `staged` + `allow-web` rather than a second spelling of the name.
// Nothing in a staged chain drops or accepts: returning from it ends the direction with the enforced verdict.

import { createHash } from 'node:crypto';
import type { TierPolicies } from '../calc/policy-resolver';
import { denialLogRule, type DenialLogOptions } from './denial-log';
import { MARK_ACCEPT, MARK_PASS, MARK_STAGED_DECIDED, MARK_STAGED_PASS, type Chain, type Match, type Rule, type RuleRef } from './ir';

const DECIDED: Match = { kind: 'mark', mask: MARK_STAGED_DECIDED, value: MARK_STAGED_DECIDED };
const NOT_PASSED: Match = { kind: 'mark', mask: MARK_STAGED_PASS, value: 0 };

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** nft chain names take letters, digits and `/ . _ -`; a staged policy's id has a colon (`staged:`), so it is hashed. */
const NFT_NAME = /^[A-Za-z0-9/._-]+$/;

function shadowName(prefix: string, id: string): string {
  const name = `${prefix}-${id}`;
  return name.length <= 200 && NFT_NAME.test(id) ? name : `${prefix}-${hash(id)}`;
}

/** The shadow copy of a policy's chain in the staged evaluation. */
export const stagedPolicyChainName = (policyId: string, inbound: boolean): string => shadowName(inbound ? 'spi' : 'spo', policyId);

/** The shadow copy of a profile's chain in the staged evaluation. */
export const stagedProfileChainName = (profile: string, inbound: boolean): string => shadowName(inbound ? 'spri' : 'spro', profile);

/** The staged chain of one direction of one staged view (shared by endpoints with the same view and profiles). */
export const stagedChainName = (tiers: readonly TierPolicies[], profiles: readonly string[], inbound: boolean): string =>
  `${inbound ? 'stw' : 'sfw'}-${hash(JSON.stringify({ tiers, profiles }))}`;

/** A would-be denial by `ref`: logged (when on), counted, then `verdict`. */
function wouldDeny(matches: readonly Match[], ref: RuleRef, comment: string, verdict: Rule['verdict'], log: DenialLogOptions | undefined): Rule[] {
  const counted: Rule = { matches, verdict, comment, ref };
  return log ? [denialLogRule(matches, ref, log), counted] : [counted];
}

/**
 * The shadow copy of a policy's or profile's rendered rules (renderRule output with its refs): verdicts on the
 * staged marks instead of the enforced ones, refs marked staged, Deny counted and logged instead of dropping.
 */
export function stagedRules(rules: readonly Rule[], log: DenialLogOptions | undefined): Rule[] {
  const out: Rule[] = [];
  for (const r of rules) {
    const ref = r.ref ? { ...r.ref, staged: true } : undefined;
    const v = r.verdict;
    const base = { matches: r.matches, comment: `staged: ${r.comment ?? ''}`, ...(ref ? { ref } : {}) };
    if (v.kind === 'markReturn') {
      const bits = (v.bits & MARK_ACCEPT ? MARK_STAGED_DECIDED : 0) | (v.bits & MARK_PASS ? MARK_STAGED_PASS : 0);
      out.push({ ...base, verdict: { kind: 'markReturn', bits } });
    } else if (v.kind === 'drop' && ref) {
      out.push(...wouldDeny(r.matches, ref, `staged: would deny (${r.comment ?? ''})`, { kind: 'markReturn', bits: MARK_STAGED_DECIDED }, log));
    } else if (v.kind !== 'log' && v.kind !== 'nflog') {
      // Only policy rule verdicts reach here (renderRule's); anything else is kept as it is.
      out.push({ ...base, verdict: v });
    }
  }
  return out;
}

/** The staged chain of one direction: the staged view walked on the staged marks (felix endpoints.go's layout). */
export function stagedEndpointChain(tiers: readonly TierPolicies[], profiles: readonly string[], inbound: boolean, log: DenialLogOptions | undefined): Chain {
  const direction = inbound ? 'ingress' : 'egress';
  const rules: Rule[] = [{ matches: [], verdict: { kind: 'clearMark', bits: MARK_STAGED_DECIDED | MARK_STAGED_PASS }, comment: 'staged evaluation: clear its marks' }];
  for (const t of tiers) {
    rules.push({ matches: [], verdict: { kind: 'clearMark', bits: MARK_STAGED_PASS }, comment: `staged: start of tier ${t.tier}` });
    for (const p of t.policies) {
      rules.push({ matches: [NOT_PASSED], verdict: { kind: 'jump', chain: stagedPolicyChainName(p, inbound) }, comment: `staged: policy ${p}` });
      rules.push({ matches: [DECIDED], verdict: { kind: 'return' }, comment: `staged: return if policy ${p} decided` });
    }
    if (t.defaultAction === 'Deny') {
      const ref: RuleRef = { tier: t.tier, policy: '', direction, rule: 'end-of-tier', staged: true };
      rules.push(...wouldDeny([NOT_PASSED], ref, `staged: end of tier ${t.tier} would deny`, { kind: 'return' }, log));
    }
  }
  for (const p of profiles) {
    rules.push({ matches: [], verdict: { kind: 'jump', chain: stagedProfileChainName(p, inbound) }, comment: `staged: profile ${p}` });
    rules.push({ matches: [DECIDED], verdict: { kind: 'return' }, comment: `staged: return if profile ${p} decided` });
  }
  const ref: RuleRef = { tier: '', policy: '', direction, rule: 'end-of-tier', staged: true };
  rules.push(...wouldDeny([], ref, 'staged: no profile matched, would deny', { kind: 'return' }, log));
  return { name: stagedChainName(tiers, profiles, inbound), rules };
}
