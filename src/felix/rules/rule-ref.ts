// The identity of a RuleRef in the kernel: the name of its nftables counter and the prefix of its nflog messages
// are the same text, so a counter listed by `nft -j list counters` and a packet read from nfnetlink_log both map
// back to the policy rule without any state kept in step.
//
// Form: `gr/<d>/<tier>/<policy>/<rule>` where <d> is `i`/`e` (ingress/egress), `si`/`se` for a staged policy,
// <tier> is '' for a profile, <policy> the policy id (it may hold one '/': `namespace/name`) and <rule> the
// rule's index or `end` (the end-of-tier default). nft names are identifiers (letters, digits, `/ . _ -`, at most
// 255 bytes: nft's scanner and NFT_OBJ_MAXNAMELEN); a ref outside that alphabet or too long for a log prefix
// (127 bytes: NF_LOG_PREFIXLEN) is named `gh/<sha256 prefix>` instead, which the agent resolves through the refs
// it rendered (RefIndex).

import { createHash } from 'node:crypto';
import type { RuleRef } from './ir';

const READABLE = /^[A-Za-z0-9/._-]*$/;
/** NF_LOG_PREFIXLEN (128) less the terminating NUL; shorter than NFT_OBJ_MAXNAMELEN, so it bounds both. */
const MAX_ID = 127;

function dirCode(ref: RuleRef): string {
  return `${ref.staged ? 's' : ''}${ref.direction === 'ingress' ? 'i' : 'e'}`;
}

/** The kernel name of a ref: its counter's name and its nflog prefix. */
export function ruleRefId(ref: RuleRef): string {
  const readable = `gr/${dirCode(ref)}/${ref.tier}/${ref.policy}/${ref.rule === 'end-of-tier' ? 'end' : ref.rule}`;
  if (readable.length <= MAX_ID && READABLE.test(ref.tier) && READABLE.test(ref.policy) && !ref.tier.includes('/')) return readable;
  return `gh/${createHash('sha256').update(readable).digest('hex').slice(0, 24)}`;
}

/** The ref a readable id names; undefined for a hashed id (look it up in a RefIndex) or text that is no ref id. */
export function parseRuleRefId(id: string): RuleRef | undefined {
  if (!id.startsWith('gr/')) return undefined;
  const parts = id.split('/');
  if (parts.length < 5) return undefined;
  const d = parts[1] as string;
  const rule = parts[parts.length - 1] as string;
  if (!/^s?[ie]$/.test(d) || !/^(\d+|end)$/.test(rule)) return undefined;
  const ref: RuleRef = {
    tier: parts[2] as string,
    policy: parts.slice(3, -1).join('/'),
    direction: d.endsWith('i') ? 'ingress' : 'egress',
    rule: rule === 'end' ? 'end-of-tier' : Number(rule),
  };
  return d.startsWith('s') ? { ...ref, staged: true } : ref;
}

/** The nflog prefix of a ref's log rule (the same text as its counter name). */
export const nflogPrefix = ruleRefId;

/** Refs by kernel id, for the ids parseRuleRefId cannot read back (hashed ones). */
export class RefIndex {
  private readonly byId = new Map<string, RuleRef>();

  add(ref: RuleRef): string {
    const id = ruleRefId(ref);
    this.byId.set(id, ref);
    return id;
  }

  resolve(id: string): RuleRef | undefined {
    return this.byId.get(id) ?? parseRuleRefId(id);
  }
}
