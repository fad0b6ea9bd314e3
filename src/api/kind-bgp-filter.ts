// BGPFilter: ordered import/export rules per address family, attached to peers by BGPPeer.spec.filters. Rules are
// kept as data here; rendering them into the RIB's filter functions belongs to bgp/rib.

import { parseAsn } from './asn';
import { checkCidr, checkEnum, checkIntRange } from './checks';
import type { Problems } from './errors';
import { communityProblem } from '../lib/community';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, f, int, intOrStr, obj, str } from './schema';

export interface BGPFilterOperation {
  addCommunity?: { value: string };
  prependASPath?: { prefix: Array<number | string> };
  setPriority?: { value: number };
}

export interface BGPFilterRule {
  cidr?: string;
  prefixLength?: { min?: number; max?: number };
  matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  source?: 'RemotePeers';
  interface?: string;
  peerType?: 'eBGP' | 'iBGP';
  communities?: { values: string[] };
  asPathPrefix?: Array<number | string>;
  priority?: number;
  action: 'Accept' | 'Reject';
  operations?: BGPFilterOperation[];
}

export interface BGPFilterSpec {
  exportV4?: BGPFilterRule[];
  importV4?: BGPFilterRule[];
  exportV6?: BGPFilterRule[];
  importV6?: BGPFilterRule[];
}

export type BGPFilter = Resource<'BGPFilter', BGPFilterSpec>;

const ruleShape = obj([
  f('cidr', str),
  f('prefixLength', obj([f('min', int, true), f('max', int, true)]), true),
  f('source', str),
  f('interface', str),
  f('matchOperator', str),
  f('peerType', str),
  f('communities', obj([f('values', arr(str))]), true),
  f('asPathPrefix', arr(intOrStr)),
  f('priority', int, true),
  f('action', str, true),
  f('operations', arr(obj([
    f('addCommunity', obj([f('value', str)]), true),
    f('prependASPath', obj([f('prefix', arr(intOrStr))]), true),
    f('setPriority', obj([f('value', int, true)]), true),
  ]))),
]);

const specShape = obj([f('exportV4', arr(ruleShape)), f('importV4', arr(ruleShape)), f('exportV6', arr(ruleShape)), f('importV6', arr(ruleShape))]);

function validateRule(p: Problems, path: string, r: BGPFilterRule, family: 4 | 6): void {
  const bits = family === 4 ? 32 : 128;
  checkEnum(p, `${path}.action`, r.action, ['Accept', 'Reject']);
  if (!r.action) p.add(`${path}.action`, 'is required');
  const cidr = checkCidr(p, `${path}.cidr`, r.cidr);
  if (cidr && cidr.family !== family) p.add(`${path}.cidr`, `must be an IPv${family} CIDR in a V${family} rule list`);
  if (Boolean(r.cidr) !== Boolean(r.matchOperator)) p.add(`${path}.matchOperator`, 'cidr and matchOperator must be set together');
  checkEnum(p, `${path}.matchOperator`, r.matchOperator, ['Equal', 'NotEqual', 'In', 'NotIn']);
  if (r.prefixLength) {
    if (!r.cidr) p.add(`${path}.prefixLength`, 'requires cidr');
    checkIntRange(p, `${path}.prefixLength.min`, r.prefixLength.min, 0, bits);
    checkIntRange(p, `${path}.prefixLength.max`, r.prefixLength.max, 0, bits);
    const { min, max } = r.prefixLength;
    if (min !== undefined && max !== undefined && min > max) p.add(`${path}.prefixLength`, 'min must not exceed max');
  }
  checkEnum(p, `${path}.source`, r.source, ['RemotePeers']);
  checkEnum(p, `${path}.peerType`, r.peerType, ['eBGP', 'iBGP']);
  if (r.communities) {
    if (r.communities.values?.length !== 1) p.add(`${path}.communities.values`, 'must hold exactly one community');
    r.communities.values?.forEach((v, i) => {
      const problem = communityProblem(v);
      if (problem) p.add(`${path}.communities.values[${i}]`, problem);
    });
  }
  r.asPathPrefix?.forEach((a, i) => {
    if (parseAsn(a) === undefined) p.add(`${path}.asPathPrefix[${i}]`, 'is not a valid AS number');
  });
  checkIntRange(p, `${path}.priority`, r.priority, 1, 2147483646);
  if (r.operations?.length && r.action !== 'Accept') p.add(`${path}.operations`, 'are allowed only with action Accept');
  r.operations?.forEach((op, i) => {
    const at = `${path}.operations[${i}]`;
    const set = [op.addCommunity, op.prependASPath, op.setPriority].filter((x) => x !== undefined).length;
    if (set !== 1) p.add(at, 'must set exactly one of addCommunity, prependASPath, setPriority');
    if (op.addCommunity) {
      const problem = communityProblem(op.addCommunity.value ?? '');
      if (problem) p.add(`${at}.addCommunity.value`, problem);
    }
    op.prependASPath?.prefix?.forEach((a, j) => {
      if (parseAsn(a) === undefined) p.add(`${at}.prependASPath.prefix[${j}]`, 'is not a valid AS number');
    });
    if (op.setPriority) checkIntRange(p, `${at}.setPriority.value`, op.setPriority.value, 1, 2147483646);
  });
}

function validate(res: BGPFilter, p: Problems): void {
  const s = res.spec ?? {};
  for (const [list, family] of [['exportV4', 4], ['importV4', 4], ['exportV6', 6], ['importV6', 6]] as const) {
    s[list]?.forEach((r, i) => validateRule(p, `spec.${list}[${i}]`, r, family));
  }
}

export const bgpFilterKind: KindInfo<BGPFilter> = {
  kind: 'BGPFilter',
  plural: 'bgpfilters',
  aliases: ['bgpfilter', 'bgpf', 'bgpfs'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
