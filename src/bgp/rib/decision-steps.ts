// The steps of the BGP decision process (RFC 4271 §9.1.2.2 with RFC 4456 §9), one small comparator each, in order.
// A comparator returns < 0 when `a` is better than `b`, > 0 when worse, 0 when this step cannot tell them apart, and
// undefined when the step does not compare the two at all (MED between routes from different neighbouring ASes).
// decision.ts runs them as eliminations, which is what makes the MED step independent of arrival order.
import { parseIpv4 } from '../packet/prefix';
import type { AsPathSegment } from '../packet/types';
import type { Path } from './path';

/** What decides when the comparators do not run: no usable path, a single path, or one resolvable next hop. */
export const OUTCOME_STEPS = ['none', 'only-path', 'next-hop'] as const;
/** The comparators of DECISION_STEPS, in order. */
export const COMPARATOR_STEPS = ['local-origin', 'local-pref', 'as-path', 'origin', 'med', 'ebgp-over-ibgp', 'router-id', 'cluster-list', 'peer-address'] as const;
/** Every step name a decision can report, each once (the Loc-RIB stores a step as its index here). */
export const STEP_NAMES = [...OUTCOME_STEPS, ...COMPARATOR_STEPS] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface DecisionOptions {
  /** Our AS: the neighbouring AS of a route originated inside it (RFC 4271 §9.1.2.2 c, neighborAS). */
  readonly localAsn: number;
  /** Compare MED between routes from different neighbouring ASes too (BIRD `med metric`, FRR `always-compare-med`). */
  readonly alwaysCompareMed: boolean;
  /** RFC 4271 §9.1.2.1: is the next hop resolvable? Default: every next hop is (the speaker has no IGP). */
  readonly resolvable?: (path: Path) => boolean;
}

export interface DecisionStep {
  readonly name: (typeof COMPARATOR_STEPS)[number];
  /** What `gingham bgp routes` prints for the step that decided. */
  readonly title: string;
  readonly rfc: string;
  compare(a: Path, b: Path, opts: DecisionOptions): number | undefined;
}

/** RFC 4271 §9.1.2.2 (a): AS_SET counts 1; RFC 5065 §5.3: confederation segments count 0. */
export function pathLength(segs: readonly AsPathSegment[] | undefined): number {
  let n = 0;
  for (const s of segs ?? []) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * RFC 4271 §9.1.2.2 (c) neighborAS: the first AS of the path outside confederation segments; the local AS for a
 * route originated in our AS (empty path) or an aggregate whose path starts with an AS_SET.
 */
export function neighborAs(segs: readonly AsPathSegment[] | undefined, localAsn: number): number {
  for (const s of segs ?? []) {
    if (s.type === 'confed-sequence' || s.type === 'confed-set') continue;
    if (s.type === 'set') return localAsn;
    return s.asns[0] ?? localAsn;
  }
  return localAsn;
}

const DEFAULT_LOCAL_PREF = 100;

export const DECISION_STEPS: readonly DecisionStep[] = [
  {
    // Not in RFC 4271: BIRD prefers its own (static) routes by protocol preference, FRR by weight 32768.
    name: 'local-origin',
    title: 'locally originated',
    rfc: 'BIRD preference / FRR weight',
    compare: (a, b) => Number(b.source.kind === 'local') - Number(a.source.kind === 'local'),
  },
  {
    // §9.1.1 degree of preference: LOCAL_PREF, or local policy (the default 100) for routes without one.
    name: 'local-pref',
    title: 'LOCAL_PREF',
    rfc: 'RFC 4271 §9.1.1',
    compare: (a, b) => (b.attrs.localPref ?? DEFAULT_LOCAL_PREF) - (a.attrs.localPref ?? DEFAULT_LOCAL_PREF),
  },
  {
    name: 'as-path',
    title: 'AS_PATH length',
    rfc: 'RFC 4271 §9.1.2.2 (a)',
    compare: (a, b) => pathLength(a.attrs.asPath) - pathLength(b.attrs.asPath),
  },
  {
    name: 'origin',
    title: 'ORIGIN',
    rfc: 'RFC 4271 §9.1.2.2 (b)',
    compare: (a, b) => (a.attrs.origin ?? 2) - (b.attrs.origin ?? 2),
  },
  {
    // "a route that has no MED ... is assumed to have the lowest possible value"; only routes from the same
    // neighbouring AS are compared, which makes this relation non-transitive.
    name: 'med',
    title: 'MED',
    rfc: 'RFC 4271 §9.1.2.2 (c)',
    compare: (a, b, o) => {
      if (!o.alwaysCompareMed && neighborAs(a.attrs.asPath, o.localAsn) !== neighborAs(b.attrs.asPath, o.localAsn)) return undefined;
      return (a.attrs.med ?? 0) - (b.attrs.med ?? 0);
    },
  },
  {
    name: 'ebgp-over-ibgp',
    title: 'eBGP over iBGP',
    rfc: 'RFC 4271 §9.1.2.2 (d)',
    compare: (a, b) => Number(b.source.kind === 'external') - Number(a.source.kind === 'external'),
  },
  // (e) interior cost to the NEXT_HOP: not determinable without an IGP; skipped as the RFC allows.
  {
    // RFC 4456 §9: "the ORIGINATOR_ID SHOULD be treated as the BGP Identifier of the BGP speaker that has advertised
    // the route".
    name: 'router-id',
    title: 'router ID / ORIGINATOR_ID',
    rfc: 'RFC 4271 §9.1.2.2 (f), RFC 4456 §9',
    compare: (a, b) => originator(a) - originator(b),
  },
  {
    name: 'cluster-list',
    title: 'CLUSTER_LIST length',
    rfc: 'RFC 4456 §9',
    compare: (a, b) => (a.attrs.clusterList?.length ?? 0) - (b.attrs.clusterList?.length ?? 0),
  },
  {
    name: 'peer-address',
    title: 'peer address',
    rfc: 'RFC 4271 §9.1.2.2 (g)',
    compare: (a, b) => (a.source.addressOrder < b.source.addressOrder ? -1 : a.source.addressOrder > b.source.addressOrder ? 1 : 0),
  },
];

function originator(p: Path): number {
  const id = p.attrs.originatorId;
  return id === undefined ? p.source.routerIdValue : (parseIpv4(id) ?? 0);
}

export function stepTitle(name: StepName): string {
  if (name === 'only-path') return 'only path';
  if (name === 'next-hop') return 'next hop resolvable';
  if (name === 'none') return 'no usable path';
  return DECISION_STEPS.find((s) => s.name === name)?.title ?? name;
}
