// Calico's BGPFilter (projectcalico.org/v3 `spec`, as YAML or as the CRD holds it) translated into the RIB's filter
// model (rib/filter-rule.ts). The one translation: the speaker's YAML file (`filters:` in speaker.yaml) and the node
// agent (node/bgp-filter-rules.ts, from BGPFilter resources) both use it. Every problem names its field, relative to
// the spec ("importV4[0].cidr: ..."). The spec's shape is declared here as plain data, so bgp/ needs nothing of api/;
// api/kind-bgp-filter.ts validates the same rules for the datastore (calico: api/pkg/apis/projectcalico/v3/bgpfilter.go).
import { parseAsn } from '../../lib/asn';
import { communityProblem, parseCommunityValue } from '../../lib/community';
import { canonicalCidr, familyName, tryParseCidr } from '../../lib/ip';
import type { Prefix } from '../packet/types';
import { FILTER_LISTS, type FilterList, type FilterMatch, type FilterOperation, type FilterRule, type PeerFilters, type PrefixOperator } from '../rib/filter-rule';

export interface BgpFilterRuleSpec {
  readonly cidr?: string;
  readonly prefixLength?: { readonly min?: number; readonly max?: number };
  readonly matchOperator?: string;
  readonly source?: string;
  readonly interface?: string;
  readonly peerType?: string;
  readonly communities?: { readonly values?: readonly string[] };
  readonly asPathPrefix?: ReadonlyArray<number | string>;
  readonly priority?: number;
  readonly action?: string;
  readonly operations?: ReadonlyArray<{
    readonly addCommunity?: { readonly value?: string };
    readonly prependASPath?: { readonly prefix?: ReadonlyArray<number | string> };
    readonly setPriority?: { readonly value?: number };
  }>;
}

export type BgpFilterSpec = { readonly [K in FilterList]?: readonly BgpFilterRuleSpec[] };

const OPERATORS: Readonly<Record<string, PrefixOperator>> = { Equal: 'equal', NotEqual: 'not-equal', In: 'in', NotIn: 'not-in' };
/** Calico's route priority range (felix's route metric), for `priority` and `setPriority`. */
const PRIORITY_MIN = 1;
const PRIORITY_MAX = 2147483646;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function prefixOf(text: string, family: 4 | 6): Prefix | string {
  const c = tryParseCidr(text);
  if (c === undefined) return 'must be a CIDR such as 10.0.0.0/16';
  if (c.family !== family) return `must be an IPv${family} CIDR in a V${family} rule list`;
  const [address, len] = canonicalCidr(text).split('/') as [string, string];
  return { family: familyName(family), address, length: Number(len) };
}

function asns(list: ReadonlyArray<number | string>, at: string, problems: string[]): number[] {
  const out: number[] = [];
  list.forEach((a, i) => {
    const n = parseAsn(a);
    if (n === undefined) problems.push(`${at}[${i}]: is not a valid AS number`);
    else out.push(n);
  });
  return out;
}

/** One rule; undefined (with problems) when it cannot be translated. */
export function translateRule(r: BgpFilterRuleSpec, family: 4 | 6, at: string, problems: string[]): FilterRule | undefined {
  const before = problems.length;
  const bits = family === 4 ? 32 : 128;
  if (r.action !== 'Accept' && r.action !== 'Reject') problems.push(`${at}.action: must be Accept or Reject`);
  const match: { -readonly [K in keyof FilterMatch]: FilterMatch[K] } = {};
  if ((r.cidr === undefined) !== (r.matchOperator === undefined)) problems.push(`${at}.matchOperator: cidr and matchOperator must be set together`);
  const operator = r.matchOperator === undefined ? undefined : OPERATORS[r.matchOperator];
  if (r.matchOperator !== undefined && operator === undefined) problems.push(`${at}.matchOperator: must be one of ${Object.keys(OPERATORS).join(', ')}`);
  if (r.prefixLength !== undefined) {
    if (r.cidr === undefined) problems.push(`${at}.prefixLength: requires cidr`);
    const { min, max } = r.prefixLength;
    if (min !== undefined && !isInt(min, 0, bits)) problems.push(`${at}.prefixLength.min: must be an integer from 0 to ${bits}`);
    if (max !== undefined && !isInt(max, 0, bits)) problems.push(`${at}.prefixLength.max: must be an integer from 0 to ${bits}`);
    if (min !== undefined && max !== undefined && min > max) problems.push(`${at}.prefixLength: min must not exceed max`);
  }
  if (r.cidr !== undefined) {
    const prefix = prefixOf(r.cidr, family);
    if (typeof prefix === 'string') problems.push(`${at}.cidr: ${prefix}`);
    else if (operator !== undefined) {
      match.prefix = {
        prefix,
        operator,
        ...(r.prefixLength?.min !== undefined ? { minLength: r.prefixLength.min } : {}),
        ...(r.prefixLength?.max !== undefined ? { maxLength: r.prefixLength.max } : {}),
      };
    }
  }
  if (r.source !== undefined) {
    if (r.source === 'RemotePeers') match.learnedOnly = true;
    else problems.push(`${at}.source: must be RemotePeers`);
  }
  if (r.peerType !== undefined) {
    if (r.peerType === 'eBGP') match.peerKind = 'external';
    else if (r.peerType === 'iBGP') match.peerKind = 'internal';
    else problems.push(`${at}.peerType: must be eBGP or iBGP`);
  }
  if (r.communities !== undefined) {
    const values = r.communities.values ?? [];
    if (values.length !== 1) problems.push(`${at}.communities.values: must hold exactly one community`);
    values.forEach((v, i) => {
      const problem = communityProblem(v);
      if (problem !== undefined) problems.push(`${at}.communities.values[${i}]: ${problem}`);
    });
    const c = values[0] === undefined ? undefined : parseCommunityValue(values[0]);
    if (c !== undefined) match.community = c;
  }
  if (r.asPathPrefix !== undefined && r.asPathPrefix.length > 0) match.asPathPrefix = asns(r.asPathPrefix, `${at}.asPathPrefix`, problems);
  if (r.interface !== undefined) match.interface = r.interface;
  if (r.priority !== undefined) {
    if (isInt(r.priority, PRIORITY_MIN, PRIORITY_MAX)) match.priority = r.priority;
    else problems.push(`${at}.priority: must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`);
  }
  if ((r.operations?.length ?? 0) > 0 && r.action !== 'Accept') problems.push(`${at}.operations: are allowed only with action Accept`);
  const operations: FilterOperation[] = [];
  (r.operations ?? []).forEach((op, i) => {
    const oat = `${at}.operations[${i}]`;
    const set = [op.addCommunity, op.prependASPath, op.setPriority].filter((x) => x !== undefined).length;
    if (set !== 1) {
      problems.push(`${oat}: must set exactly one of addCommunity, prependASPath, setPriority`);
      return;
    }
    if (op.addCommunity !== undefined) {
      const text = op.addCommunity.value ?? '';
      const problem = communityProblem(text);
      const c = parseCommunityValue(text);
      if (problem !== undefined || c === undefined) problems.push(`${oat}.addCommunity.value: ${problem ?? 'is not a community'}`);
      else operations.push({ kind: 'add-community', community: c });
    } else if (op.prependASPath !== undefined) {
      operations.push({ kind: 'prepend-as-path', asns: asns(op.prependASPath.prefix ?? [], `${oat}.prependASPath.prefix`, problems) });
    } else if (op.setPriority !== undefined) {
      const v = op.setPriority.value;
      if (isInt(v, PRIORITY_MIN, PRIORITY_MAX)) operations.push({ kind: 'set-priority', value: v });
      else problems.push(`${oat}.setPriority.value: must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`);
    }
  });
  if (problems.length > before) return undefined;
  return { action: r.action === 'Accept' ? 'accept' : 'reject', match, ...(operations.length > 0 ? { operations } : {}) };
}

/** A whole BGPFilter spec as the RIB's rule lists. Problems are reported as `<prefix><list>[i].<field>`. */
export function translateFilterSpec(spec: BgpFilterSpec, problems: string[], prefix = ''): Required<PeerFilters> {
  const out: Record<FilterList, FilterRule[]> = { importV4: [], importV6: [], exportV4: [], exportV6: [] };
  for (const list of FILTER_LISTS) {
    const family = list.endsWith('V4') ? 4 : 6;
    (spec[list] ?? []).forEach((r, i) => {
      const rule = translateRule(r, family, `${prefix}${list}[${i}]`, problems);
      if (rule !== undefined) out[list].push(rule);
    });
  }
  return out;
}

/**
 * A peer's filters: the named filters' rule lists concatenated in the order the peer lists them (Calico:
 * BGPPeer.spec.filters, "applied in the order listed"). `missing` is told about each name without a filter.
 */
export function peerFilterRules(names: readonly string[], filters: ReadonlyMap<string, PeerFilters>, missing: (name: string, index: number) => void): PeerFilters | undefined {
  if (names.length === 0) return undefined;
  const out: Record<FilterList, FilterRule[]> = { importV4: [], importV6: [], exportV4: [], exportV6: [] };
  names.forEach((name, i) => {
    const f = filters.get(name);
    if (f === undefined) {
      missing(name, i);
      return;
    }
    for (const list of FILTER_LISTS) out[list].push(...(f[list] ?? []));
  });
  return out;
}
