// BGPFilter semantics end to end, table-driven: Calico's rule text translated into the RIB's rule model
// (bgp-filter.ts) and evaluated (rib/filter-bgp.ts): first match decides, default Accept, every criterion and
// operation; and the translation's errors, each naming its field.
import { compileFilter, globRegExp, type CompiledFilter, type KernelRoute } from '../rib/filter-bgp';
import type { Prefix } from '../packet/types';
import { path, seq, source } from '../rib/testing';
import { peerFilterRules, translateFilterSpec, type BgpFilterRuleSpec } from './bgp-filter';

type BGPFilterRule = BgpFilterRuleSpec;

/** Translates rules of one family's list (V6 when the first CIDR is IPv6) and compiles them; fails on any problem. */
function compile(rules: readonly BGPFilterRule[]): CompiledFilter {
  const v6 = rules.some((r) => r.cidr?.includes(':') === true);
  const problems: string[] = [];
  const lists = translateFilterSpec(v6 ? { importV6: rules } : { importV4: rules }, problems);
  expect(problems).toEqual([]);
  return compileFilter(v6 ? lists.importV6 : lists.importV4);
}

const p = (text: string): Prefix => {
  const [address, len] = text.split('/') as [string, string];
  return { family: address.includes(':') ? 'ipv6' : 'ipv4', address, length: Number(len) };
};
const ebgp = source('external', '10.1.0.1');
const ibgp = source('internal', '10.0.0.1');
const local = source('local', '');

interface Case {
  name: string;
  rules: BGPFilterRule[];
  prefix: string;
  from?: typeof ebgp;
  attrs?: Parameters<typeof path>[1];
  kernel?: KernelRoute;
  accept: boolean;
  rule?: number;
}

const cases: Case[] = [
  { name: 'no rules: default Accept', rules: [], prefix: '10.0.0.0/24', accept: true, rule: -1 },
  { name: 'Equal matches the exact prefix', rules: [{ action: 'Reject', cidr: '10.0.0.0/24', matchOperator: 'Equal' }], prefix: '10.0.0.0/24', accept: false, rule: 0 },
  { name: 'Equal does not match a longer prefix', rules: [{ action: 'Reject', cidr: '10.0.0.0/24', matchOperator: 'Equal' }], prefix: '10.0.0.0/25', accept: true, rule: -1 },
  { name: 'NotEqual', rules: [{ action: 'Reject', cidr: '10.0.0.0/24', matchOperator: 'NotEqual' }], prefix: '10.0.1.0/24', accept: false },
  { name: 'In matches more specifics', rules: [{ action: 'Reject', cidr: '10.0.0.0/16', matchOperator: 'In' }], prefix: '10.0.200.0/24', accept: false },
  {
    name: 'In with prefixLength min',
    rules: [{ action: 'Reject', cidr: '10.0.0.0/16', matchOperator: 'In', prefixLength: { min: 26 } }],
    prefix: '10.0.200.0/24',
    accept: true,
  },
  { name: 'NotIn', rules: [{ action: 'Reject', cidr: '44.0.0.0/16', matchOperator: 'NotIn' }], prefix: '10.0.0.0/24', accept: false },
  {
    name: 'first match wins',
    rules: [
      { action: 'Accept', cidr: '10.0.0.0/24', matchOperator: 'Equal' },
      { action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In' },
    ],
    prefix: '10.0.0.0/24',
    accept: true,
    rule: 0,
  },
  { name: 'source RemotePeers excludes local routes', rules: [{ action: 'Reject', source: 'RemotePeers' }], prefix: '10.0.0.0/24', from: local, accept: true },
  { name: 'source RemotePeers matches learned routes', rules: [{ action: 'Reject', source: 'RemotePeers' }], prefix: '10.0.0.0/24', from: ibgp, accept: false },
  { name: 'peerType eBGP', rules: [{ action: 'Reject', peerType: 'eBGP' }], prefix: '10.0.0.0/24', from: ebgp, accept: false },
  { name: 'peerType iBGP does not match eBGP', rules: [{ action: 'Reject', peerType: 'iBGP' }], prefix: '10.0.0.0/24', from: ebgp, accept: true },
  { name: 'community', rules: [{ action: 'Reject', communities: { values: ['65000:7'] } }], prefix: '10.0.0.0/24', attrs: { communities: [65000 * 65536 + 7] }, accept: false },
  { name: 'large community', rules: [{ action: 'Reject', communities: { values: ['65000:1:2'] } }], prefix: '10.0.0.0/24', attrs: { largeCommunities: [[65000, 1, 2]] }, accept: false },
  { name: 'asPathPrefix', rules: [{ action: 'Reject', asPathPrefix: [65100, 65200] }], prefix: '10.0.0.0/24', attrs: { asPath: [seq(65100, 65200, 7)] }, accept: false },
  { name: 'asPathPrefix mismatch', rules: [{ action: 'Reject', asPathPrefix: [65200] }], prefix: '10.0.0.0/24', attrs: { asPath: [seq(65100, 65200)] }, accept: true },
  { name: 'all criteria must match', rules: [{ action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In', peerType: 'iBGP' }], prefix: '10.0.0.0/24', from: ebgp, accept: true },
  { name: 'interface: a BGP route has none', rules: [{ action: 'Reject', interface: '*' }], prefix: '10.0.0.0/24', accept: true },
  { name: 'interface glob matches a local route', rules: [{ action: 'Reject', interface: 'cali*' }], prefix: '10.0.0.1/32', from: local, kernel: { interface: 'cali1234abcd' }, accept: false },
  { name: 'interface glob mismatch', rules: [{ action: 'Reject', interface: 'cali*' }], prefix: '10.0.0.1/32', from: local, kernel: { interface: 'eth0' }, accept: true },
  { name: 'interface ? matches one character', rules: [{ action: 'Reject', interface: 'eth?' }], prefix: '10.0.0.1/32', from: local, kernel: { interface: 'eth10' }, accept: true },
  { name: 'priority equal', rules: [{ action: 'Reject', priority: 1024 }], prefix: '10.0.0.1/32', from: local, kernel: { priority: 1024 }, accept: false },
  { name: 'priority other', rules: [{ action: 'Reject', priority: 512 }], prefix: '10.0.0.1/32', from: local, kernel: { priority: 1024 }, accept: true },
  { name: 'priority: a BGP route has none', rules: [{ action: 'Reject', priority: 1024 }], prefix: '10.0.0.0/24', accept: true },
  { name: 'IPv6 In', rules: [{ action: 'Reject', cidr: '2001:db8::/32', matchOperator: 'In' }], prefix: '2001:db8:1::/48', accept: false },
];

describe('globRegExp', () => {
  it.each([
    ['cali*', 'cali0', true],
    ['cali*', 'xcali0', false],
    ['*.calico', 'vxlan.calico', true],
    ['*.calico', 'vxlanXcalico', false],
    ['tap?', 'tap1', true],
    ['tap?', 'tap', false],
    ['a+b', 'a+b', true],
  ])('%s ~ %s is %s', (glob, name, want) => {
    expect(globRegExp(glob).test(name)).toBe(want);
  });
});

describe('BGPFilter semantics', () => {
  it.each(cases)('$name', ({ rules, prefix, from, attrs, kernel, accept, rule }) => {
    const r = path(from ?? ebgp, attrs ?? {}, p(prefix));
    const v = compile(rules)({ prefix: r.prefix, attrs: r.attrs, source: r.source, ...(kernel ? { kernel } : {}) });
    expect(v.accept).toBe(accept);
    if (rule !== undefined) expect(v.rule).toBe(rule);
  });

  it('operations: addCommunity and prependASPath on Accept, a new object only when something changed', () => {
    const f = compile([
      { action: 'Accept', cidr: '10.0.0.0/24', matchOperator: 'Equal', operations: [{ addCommunity: { value: '65000:100' } }, { prependASPath: { prefix: [65000, 65000] } }] },
      { action: 'Accept', cidr: '10.0.1.0/24', matchOperator: 'Equal', operations: [{ setPriority: { value: 10 } }] },
    ]);
    const r = path(ebgp, { asPath: [seq(65100)] }, p('10.0.0.0/24'));
    const v = f({ prefix: r.prefix, attrs: r.attrs, source: r.source });
    expect(v.attrs.communities).toEqual([65000 * 65536 + 100]);
    expect(v.attrs.asPath).toEqual([seq(65000, 65000), seq(65100)]);
    const r2 = path(ebgp, {}, p('10.0.1.0/24'));
    expect(f({ prefix: r2.prefix, attrs: r2.attrs, source: r2.source }).attrs).toBe(r2.attrs);
  });
});

describe('BGPFilter translation errors name the field', () => {
  it.each<[string, BGPFilterRule, string]>([
    ['bad action', { action: 'Allow' }, 'importV4[0].action: must be Accept or Reject'],
    ['cidr without operator', { action: 'Reject', cidr: '10.0.0.0/8' }, 'importV4[0].matchOperator: cidr and matchOperator must be set together'],
    ['IPv6 cidr in a V4 list', { action: 'Reject', cidr: '2001:db8::/32', matchOperator: 'In' }, 'importV4[0].cidr: must be an IPv4 CIDR in a V4 rule list'],
    ['prefixLength out of range', { action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { max: 33 } }, 'importV4[0].prefixLength.max: must be an integer from 0 to 32'],
    ['community halves', { action: 'Reject', communities: { values: ['70000:1'] } }, 'importV4[0].communities.values[0]: standard community parts must be 0-65535'],
    ['AS number', { action: 'Accept', operations: [{ prependASPath: { prefix: ['x'] } }] }, 'importV4[0].operations[0].prependASPath.prefix[0]: is not a valid AS number'],
    ['operations on Reject', { action: 'Reject', operations: [{ addCommunity: { value: '1:1' } }] }, 'importV4[0].operations: are allowed only with action Accept'],
  ])('%s', (_name, rule, want) => {
    const problems: string[] = [];
    const lists = translateFilterSpec({ importV4: [rule] }, problems);
    expect(problems).toContain(want);
    expect(lists.importV4).toEqual([]);
  });

  it('concatenates a peer\'s filters in its order and reports a missing one', () => {
    const problems: string[] = [];
    const a = translateFilterSpec({ exportV4: [{ action: 'Reject', cidr: '10.0.0.0/8', matchOperator: 'In' }] }, problems);
    const b = translateFilterSpec({ exportV4: [{ action: 'Accept' }], importV6: [{ action: 'Reject' }] }, problems);
    const missing: string[] = [];
    const f = peerFilterRules(['b', 'nope', 'a'], new Map([['a', a], ['b', b]]), (name, i) => missing.push(`${i}:${name}`));
    expect(f?.exportV4?.map((r) => r.action)).toEqual(['accept', 'reject']);
    expect(f?.importV6).toHaveLength(1);
    expect(missing).toEqual(['1:nope']);
    expect(peerFilterRules([], new Map(), () => undefined)).toBeUndefined();
  });
});
