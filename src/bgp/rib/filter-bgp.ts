// Route filters with the semantics of Calico's BGPFilter (projectcalico.org/v3): per direction and family an ordered
// list of rules; the first rule whose every given criterion matches decides (Accept, after its operations, or
// Reject); a route no rule matches is accepted ("If an address does not match any explicit BGP filter rule, the
// default action is Accept"). Pure: a compiled filter maps (prefix, attributes, source) to a verdict.
//
// Criteria: cidr + matchOperator (Equal / NotEqual / In / NotIn, with prefixLength min/max narrowing In and NotIn as
// BIRD's `net ~ [ cidr{min,max} ]`), source RemotePeers (not originated here), peerType eBGP/iBGP (the session the
// route came from), communities (one standard or large community carried), asPathPrefix (the AS_PATH starts with
// these ASNs), `interface` (a glob, BIRD's `ifname ~ "cali*"`) and `priority` (BIRD's `krt_metric = N`). The last
// two describe the kernel route a route stands for: the node agent gives them for the routes it originates (a
// borrowed workload /32 has its cali* interface and Felix's route priority); a route learned over BGP has neither,
// so such a rule never matches it (in BIRD, `krt_metric` is unset on a BGP route and the test fails). Operations:
// addCommunity, prependASPath; setPriority is accepted and has no effect here (in Calico it sets the metric of the
// kernel route BIRD installs on import; Gingham's dataplane programs BGP routes with Felix's fixed priority).
import type { BGPFilterRule } from '../../api/kind-bgp-filter';
import { parseAsn } from '../../api/asn';
import { parseIp, tryParseCidr, cidrContains, type Cidr } from '../../lib/ip';
import type { PathAttributes, Prefix } from '../packet/types';
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

type Community = { kind: 'standard'; value: number } | { kind: 'large'; value: readonly [number, number, number] };

function parseCommunity(text: string): Community | undefined {
  const parts = text.split(':').map(Number);
  if (parts.some((n) => !Number.isInteger(n) || n < 0)) return undefined;
  if (parts.length === 2) return { kind: 'standard', value: (((parts[0] ?? 0) << 16) | (parts[1] ?? 0)) >>> 0 };
  if (parts.length === 3) return { kind: 'large', value: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0] };
  return undefined;
}

function hasCommunity(a: PathAttributes, c: Community): boolean {
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

function compileRule(rule: BGPFilterRule): Compiled {
  const tests: Array<(r: FilterInput) => boolean> = [];
  const cidr = rule.cidr === undefined ? undefined : tryParseCidr(rule.cidr);
  if (rule.cidr !== undefined && rule.matchOperator !== undefined) {
    const c = cidr;
    const bits = c?.family === 6 ? 128 : 32;
    const min = rule.prefixLength?.min ?? c?.prefixLen ?? 0;
    const max = rule.prefixLength?.max ?? bits;
    const equal = (r: FilterInput): boolean => c !== undefined && r.prefix.length === c.prefixLen && cidrContains(c, prefixCidr(r.prefix));
    const within = (r: FilterInput): boolean => c !== undefined && r.prefix.length >= min && r.prefix.length <= max && cidrContains(c, prefixCidr(r.prefix));
    const op = rule.matchOperator;
    tests.push(op === 'Equal' ? equal : op === 'NotEqual' ? (r) => !equal(r) : op === 'In' ? within : (r) => !within(r));
  }
  if (rule.source === 'RemotePeers') tests.push((r) => r.source.kind !== 'local');
  if (rule.peerType !== undefined) {
    const kind = rule.peerType === 'eBGP' ? 'external' : 'internal';
    tests.push((r) => r.source.kind === kind);
  }
  if (rule.communities?.values[0] !== undefined) {
    const c = parseCommunity(rule.communities.values[0]);
    tests.push((r) => c !== undefined && hasCommunity(r.attrs, c));
  }
  if (rule.asPathPrefix !== undefined && rule.asPathPrefix.length > 0) {
    const want = rule.asPathPrefix.map((a) => parseAsn(a) ?? -1);
    tests.push((r) => {
      const path = flatPath(r.attrs);
      return want.every((asn, i) => path[i] === asn);
    });
  }
  if (rule.interface !== undefined) {
    const glob = globRegExp(rule.interface);
    tests.push((r) => r.kernel?.interface !== undefined && glob.test(r.kernel.interface));
  }
  if (rule.priority !== undefined) {
    const want = rule.priority;
    tests.push((r) => r.kernel?.priority === want);
  }

  const ops = (rule.operations ?? []).flatMap((op): Array<(a: PathAttributes) => PathAttributes> => {
    if (op.addCommunity !== undefined) {
      const c = parseCommunity(op.addCommunity.value);
      if (c === undefined) return [];
      return [
        (a) => {
          if (hasCommunity(a, c)) return a;
          return c.kind === 'standard' ? { ...a, communities: [...(a.communities ?? []), c.value] } : { ...a, largeCommunities: [...(a.largeCommunities ?? []), c.value] };
        },
      ];
    }
    if (op.prependASPath !== undefined) {
      const asns = op.prependASPath.prefix.map((x) => parseAsn(x)).filter((x): x is number => x !== undefined);
      if (asns.length === 0) return [];
      return [(a) => ({ ...a, asPath: [{ type: 'sequence', asns }, ...(a.asPath ?? [])] })];
    }
    return []; // setPriority: no effect in a BGP speaker (see the header)
  });
  return {
    matches: (r) => tests.every((t) => t(r)),
    accept: rule.action === 'Accept',
    apply: (a) => ops.reduce((acc, op) => op(acc), a),
  };
}

/** Compiles an ordered rule list (several BGPFilters attached to a peer are concatenated in order). */
export function compileFilter(rules: readonly BGPFilterRule[]): CompiledFilter {
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
