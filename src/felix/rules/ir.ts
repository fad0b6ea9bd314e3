// The intermediate representation of the policy dataplane: chains of rules with match criteria and verdicts,
// named sets and verdict maps, per address family. Pure data, no syntax: the nftables renderer (felix/tables)
// writes it, and an iptables renderer could be written from the same data (Felix's own layout, felix/rules).

export type Family = 4 | 6;

export type Direction = 'src' | 'dst';

export type Match =
  | { readonly kind: 'ctState'; readonly states: readonly ('established' | 'related' | 'invalid' | 'new')[] }
  /** Interface name; a trailing "*" is a prefix wildcard. */
  | { readonly kind: 'iifname' | 'oifname'; readonly name: string; readonly negate?: boolean }
  /** (packet mark & mask) == value. */
  | { readonly kind: 'mark'; readonly mask: number; readonly value: number; readonly negate?: boolean }
  | { readonly kind: 'protocol'; readonly protocols: readonly string[]; readonly negate?: boolean }
  /** Address in an anonymous set of disjoint CIDRs/ranges. */
  | { readonly kind: 'addr'; readonly dir: Direction; readonly elements: readonly string[]; readonly negate?: boolean }
  | { readonly kind: 'addrSet'; readonly dir: Direction; readonly set: string; readonly negate?: boolean }
  /** Transport port in a list of ports and [min, max] ranges; needs a protocol match before it. */
  | { readonly kind: 'ports'; readonly dir: Direction; readonly ports: readonly (number | readonly [number, number])[]; readonly negate?: boolean }
  /** (address . protocol . port) of the given side in a named-port set. */
  | { readonly kind: 'namedPortSet'; readonly dir: Direction; readonly set: string; readonly negate?: boolean }
  | { readonly kind: 'icmp'; readonly type?: number; readonly code?: number; readonly negate?: boolean }
  /** At most `perSecond` packets a second after a burst of `burst` (a token bucket per rule, in the kernel). */
  | { readonly kind: 'limit'; readonly perSecond: number; readonly burst: number };

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  /** mark |= bits, then return (Calico's Allow and Pass inside a policy chain). */
  | { readonly kind: 'markReturn'; readonly bits: number }
  /** mark &= ~bits, then continue. */
  | { readonly kind: 'clearMark'; readonly bits: number }
  /** Log with a prefix, then continue. */
  | { readonly kind: 'log'; readonly prefix: string }
  /** Log the packet to nflog group `group` with `prefix` (rule-ref.ts nflogPrefix), then continue. */
  | { readonly kind: 'nflog'; readonly group: number; readonly prefix: string }
  /** Look the interface up in a verdict map (per-endpoint dispatch); no entry = continue. */
  | { readonly kind: 'vmap'; readonly key: 'iifname' | 'oifname'; readonly map: string };

/**
 * The policy rule a rendered nftables rule implements: per-rule counters and flow-log entries are keyed by it.
 * The nftables renderer gives every rule with a ref a named counter (rule-ref.ts counterName): one kernel object
 * per ref, shared by every rule of that ref (port alternatives, both endpoint chains of a tier), that outlives
 * re-renders of the chains using it. Denials log through an `nflog` verdict whose prefix encodes the ref.
 */
export interface RuleRef {
  /** Tier name; '' for a profile. */
  readonly tier: string;
  /** The policy id used in rule comments (e.g. `x/knp.default.deny-all`), or the profile name; '' for the end of the profiles. */
  readonly policy: string;
  readonly direction: 'ingress' | 'egress';
  /** Index of the rule in the policy's ingress/egress list, or the tier's end-of-tier default. */
  readonly rule: number | 'end-of-tier';
  /** True for a staged policy's rule (evaluated, counted and logged, never enforced). */
  readonly staged?: boolean;
}

export interface Rule {
  readonly matches: readonly Match[];
  readonly verdict: Verdict;
  /** Shown by `nft list`: which policy and rule, or what the rule is for. */
  readonly comment?: string;
  /** The policy rule this rule implements (counted under it). */
  readonly ref?: RuleRef;
}

export interface BaseHook {
  readonly hook: 'forward' | 'input' | 'output';
  readonly priority: number;
}

export interface Chain {
  readonly name: string;
  readonly hook?: BaseHook;
  readonly rules: readonly Rule[];
}

/**
 * 'host': single addresses only (a hash set: O(1) lookup, and element changes that need no interval bookkeeping);
 * 'addr': disjoint CIDRs/ranges (an interval set); 'addr-proto-port': named-port members.
 */
export type SetType = 'host' | 'addr' | 'addr-proto-port';

export interface NamedSet {
  readonly name: string;
  readonly type: SetType;
  /** Addresses (host), disjoint CIDRs/ranges (addr), or "addr . proto . port" (addr-proto-port). Sorted. */
  readonly elements: readonly string[];
  readonly comment?: string;
}

export interface VerdictMap {
  readonly name: string;
  readonly key: 'ifname';
  /** interface name -> chain to go to. */
  readonly entries: ReadonlyMap<string, string>;
}

export interface Ruleset {
  readonly family: Family;
  readonly chains: ReadonlyMap<string, Chain>;
  readonly sets: ReadonlyMap<string, NamedSet>;
  readonly maps: ReadonlyMap<string, VerdictMap>;
}

/** Calico's mark bits (felix/dataplane/driver.go allocation from the 0xffff0000 mask). */
export const MARK_ACCEPT = 0x10000;
export const MARK_PASS = 0x20000;
/**
 * The staged evaluation's marks (staged-rules.ts): a staged policy decided (allowed or would deny), and passed. They
 * sit where Felix's scratch0/scratch1 bits sit (after its accept, pass and drop bits), Felix's bits for state that
 * lives only during one walk of the chains, which is how these are used; Gingham uses no other bit of the mask.
 */
export const MARK_STAGED_DECIDED = 0x80000;
export const MARK_STAGED_PASS = 0x100000;

const setsOfChain = new WeakMap<Chain, readonly string[]>();

/** The sets a chain's rules name (memoised per chain object: chains are immutable). */
export function setsUsed(chain: Chain): readonly string[] {
  let names = setsOfChain.get(chain);
  if (!names) {
    const out = new Set<string>();
    for (const r of chain.rules) for (const m of r.matches) if (m.kind === 'addrSet' || m.kind === 'namedPortSet') out.add(m.set);
    setsOfChain.set(chain, (names = [...out]));
  }
  return names;
}
