// Route filters with the semantics of Calico's BGPFilter (projectcalico.org/v3), over the RIB's own rule model
// (filter-rule.ts): per direction and family an ordered list of rules; the first rule whose every given criterion matches decides (Accept, after its operations, or
// Reject); a route no rule matches is accepted ("If an address does not match any explicit BGP filter rule, the
// default action is Accept"). Pure: a compiled filter maps (prefix, attributes, source) to a verdict.
//
// Criteria: a prefix + operator (equal / not-equal / in / not-in, with min/max lengths narrowing in and not-in as
// BIRD's `net ~ [ cidr{min,max} ]`), learned-only (Calico's source RemotePeers: not originated here), the peer kind
// (the session the route came from), a community (one standard or large community carried), an AS_PATH prefix,
// `interface` (a glob, BIRD's `ifname ~ "cali*"`) and `priority` (BIRD's `krt_metric = N`). The last
// two describe the kernel route a route stands for: the node agent gives them for the routes it originates (a
// borrowed workload /32 has its cali* interface and Felix's route priority); a route learned over BGP has neither,
// so such a rule never matches it (in BIRD, `krt_metric` is unset on a BGP route and the test fails). Operations:
// add a community, prepend to the AS_PATH; set-priority is accepted and has no effect here (in Calico it sets the metric of the
// kernel route BIRD installs on import; Gingham's dataplane programs BGP routes with Felix's fixed priority).
import { parseIp, cidrContains, type Cidr } from '../../lib/ip';
import type { PathAttributes, Prefix } from '../packet/types';
import type { CommunityMatch, FilterRule } from './filter-rule';
import type { PathSource } from './path';

/** The kernel route behind a locally originated route, as the filter criteria `interface` and `priority` see it. */
export interface KernelRoute {
  readonly interface?: string;
  readonly priority?: number;
}

export interface FilterInput {
  readonly prefix: Prefix;
  readonly attrs: PathAttributes;
  readonly source: PathSource;
  /** Only for routes this speaker originates, when the node agent said which kernel route they stand for. */
  readonly kernel?: KernelRoute;
}

export interface FilterVerdict {
  readonly accept: boolean;
  /** The attributes after the matching rule's operations (the input object when nothing changed). */
  readonly attrs: PathAttributes;
  /** Index of the rule that decided, or -1 for the default Accept. */
  readonly rule: number;
}

export type CompiledFilter = (r: FilterInput) => FilterVerdict;

function hasCommunity(a: PathAttributes, c: CommunityMatch): boolean {
  if (c.kind === 'standard') return a.communities?.includes(c.value) === true;
  return a.largeCommunities?.some((l) => l[0] === c.value[0] && l[1] === c.value[1] && l[2] === c.value[2]) === true;
}

function flatPath(a: PathAttributes): number[] {
  const out: number[] = [];
  for (const s of a.asPath ?? []) if (s.type === 'sequence' || s.type === 'set') out.push(...s.asns);
  return out;
}

/** BIRD's pattern match (`ifname ~ "eth*"`): `*` any run of characters, `?` one character, the rest literal. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

interface Compiled {
  matches(r: FilterInput): boolean;
  readonly accept: boolean;
  apply(a: PathAttributes): PathAttributes;
}

function prefixCidr(p: Prefix): Cidr {
  const ip = parseIp(p.address);
  return { family: ip.family, addr: ip.value, prefixLen: p.length };
}

function compileRule(rule: FilterRule): Compiled {
  const tests: Array<(r: FilterInput) => boolean> = [];
  const m = rule.match;
  if (m.prefix !== undefined) {
    const pm = m.prefix;
    const c = prefixCidr(pm.prefix);
    const min = pm.minLength ?? c.prefixLen;
    const max = pm.maxLength ?? (c.family === 6 ? 128 : 32);
    const equal = (r: FilterInput): boolean => r.prefix.length === c.prefixLen && cidrContains(c, prefixCidr(r.prefix));
    const within = (r: FilterInput): boolean => r.prefix.length >= min && r.prefix.length <= max && cidrContains(c, prefixCidr(r.prefix));
    const op = pm.operator;
    tests.push(op === 'equal' ? equal : op === 'not-equal' ? (r) => !equal(r) : op === 'in' ? within : (r) => !within(r));
  }
  if (m.learnedOnly === true) tests.push((r) => r.source.kind !== 'local');
  if (m.peerKind !== undefined) {
    const kind = m.peerKind;
    tests.push((r) => r.source.kind === kind);
  }
  if (m.community !== undefined) {
    const c = m.community;
    tests.push((r) => hasCommunity(r.attrs, c));
  }
  if (m.asPathPrefix !== undefined && m.asPathPrefix.length > 0) {
    const want = m.asPathPrefix;
    tests.push((r) => {
      const path = flatPath(r.attrs);
      return want.every((asn, i) => path[i] === asn);
    });
  }
  if (m.interface !== undefined) {
    const glob = globRegExp(m.interface);
    tests.push((r) => r.kernel?.interface !== undefined && glob.test(r.kernel.interface));
  }
  if (m.priority !== undefined) {
    const want = m.priority;
    tests.push((r) => r.kernel?.priority === want);
  }

  const ops = (rule.operations ?? []).flatMap((op): Array<(a: PathAttributes) => PathAttributes> => {
    switch (op.kind) {
      case 'add-community': {
        const c = op.community;
        return [
          (a) => {
            if (hasCommunity(a, c)) return a;
            return c.kind === 'standard' ? { ...a, communities: [...(a.communities ?? []), c.value] } : { ...a, largeCommunities: [...(a.largeCommunities ?? []), c.value] };
          },
        ];
      }
      case 'prepend-as-path': {
        const asns = op.asns;
        if (asns.length === 0) return [];
        return [(a) => ({ ...a, asPath: [{ type: 'sequence', asns: [...asns] }, ...(a.asPath ?? [])] })];
      }
      case 'set-priority':
        return []; // no effect in a BGP speaker (see the header)
    }
  });
  return {
    matches: (r) => tests.every((t) => t(r)),
    accept: rule.action === 'accept',
    apply: (a) => ops.reduce((acc, op) => op(acc), a),
  };
}

/** Compiles an ordered rule list (several filters attached to a peer are concatenated in order). */
export function compileFilter(rules: readonly FilterRule[]): CompiledFilter {
  const compiled = rules.map(compileRule);
  return (r) => {
    for (let i = 0; i < compiled.length; i++) {
      const c = compiled[i] as Compiled;
      if (!c.matches(r)) continue;
      return { accept: c.accept, attrs: c.accept ? c.apply(r.attrs) : r.attrs, rule: i };
    }
    return { accept: true, attrs: r.attrs, rule: -1 };
  };
}

/** A rule list as a filter, or undefined when it has no rules (nothing to run: every route is accepted unchanged). */
export function compileRules(rules: readonly FilterRule[] | undefined): CompiledFilter | undefined {
  return rules === undefined || rules.length === 0 ? undefined : compileFilter(rules);
}
