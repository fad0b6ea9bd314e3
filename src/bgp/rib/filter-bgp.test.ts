// BGPFilter semantics, table-driven: first match decides, default Accept, every criterion and operation.
import { compileFilter, globRegExp, type KernelRoute } from './filter-bgp';
import type { BGPFilterRule } from '../../api/kind-bgp-filter';
import type { Prefix } from '../packet/types';
import { path, seq, source } from './testing';

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
    const v = compileFilter(rules)({ prefix: r.prefix, attrs: r.attrs, source: r.source, ...(kernel ? { kernel } : {}) });
    expect(v.accept).toBe(accept);
    if (rule !== undefined) expect(v.rule).toBe(rule);
  });

  it('operations: addCommunity and prependASPath on Accept, a new object only when something changed', () => {
    const f = compileFilter([
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
