// Denied-flow logging in the IR: before a rule that drops on behalf of a policy rule (a Deny rule, an end-of-tier
// or end-of-profiles drop), a rule with the same matches logs the packet to an nflog group with the ref's id as
// prefix (rule-ref.ts), through a kernel token bucket so a flood costs userspace at most `perSecond` messages a
// second per rule. The log rule carries no ref: the packet is counted once, by the rule that decides. A staged
// policy's would-be denial logs through denialLogRule with a staged ref and no drop after it.

import type { Match, Rule, RuleRef } from './ir';
import { nflogPrefix } from './rule-ref';

export interface DenialLogOptions {
  /** nflog group the agent listens on. */
  readonly group: number;
  /** Kernel rate limit of each log rule. */
  readonly perSecond: number;
  readonly burst: number;
}

/** The rule logging a denial by `ref` of packets matching `matches` (rate-limited, then rule evaluation continues). */
export function denialLogRule(matches: readonly Match[], ref: RuleRef, options: DenialLogOptions): Rule {
  return {
    matches: [...matches, { kind: 'limit', perSecond: options.perSecond, burst: options.burst }],
    verdict: { kind: 'nflog', group: options.group, prefix: nflogPrefix(ref) },
    comment: `log denial of ${nflogPrefix(ref)}`,
  };
}

/** `rules` with a log rule before each drop that has a ref; the same array when logging is off. */
export function withDenialLogs(rules: readonly Rule[], options: DenialLogOptions | undefined): readonly Rule[] {
  if (!options) return rules;
  return rules.flatMap((r) => (r.ref && r.verdict.kind === 'drop' ? [denialLogRule(r.matches, r.ref, options), r] : [r]));
}
