import { PolicyResolver } from '../calc/policy-resolver';
import type { RuleModel } from '../calc/policy-model';
import { disjointElements } from './cidr-merge';
import { MARK_ACCEPT, MARK_PASS } from './ir';
import { renderRule } from './policy-rules';

const rule = (r: Partial<RuleModel>): RuleModel => ({ action: 'Allow', src: {}, dst: {}, ...r });

describe('disjointElements', () => {
  it.each<[string[], 4 | 6, string[], string[]]>([
    [['10.0.0.0/8', '10.1.0.0/16', '192.0.2.7'], 4, [], ['10.0.0.0/8', '192.0.2.7']],
    [['10.0.0.0/24', '10.0.1.0/24'], 4, [], ['10.0.0.0/23']],
    [['10.0.0.0/16'], 4, ['10.0.1.0/24'], ['10.0.0.0/24', '10.0.2.0-10.0.255.255']],
    [['0.0.0.0/0'], 4, ['10.0.0.0/8'], ['0.0.0.0-9.255.255.255', '11.0.0.0-255.255.255.255']],
    [['2001:db8::/32', '10.0.0.0/8'], 6, ['2001:db8:1::/48'], ['2001:db8::/48', '2001:db8:2::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff']],
  ])('%j (v%d) minus %j', (cidrs, family, except, want) => {
    expect(disjointElements(cidrs, family, except)).toEqual(want);
  });
});

describe('renderRule', () => {
  it('Allow sets the accept mark and returns; Pass the pass mark; Deny drops; Log logs', () => {
    expect(renderRule(rule({}), 4, 'c')[0]?.verdict).toEqual({ kind: 'markReturn', bits: MARK_ACCEPT });
    expect(renderRule(rule({ action: 'Pass' }), 4, 'c')[0]?.verdict).toEqual({ kind: 'markReturn', bits: MARK_PASS });
    expect(renderRule(rule({ action: 'Deny' }), 6, 'c')[0]?.verdict).toEqual({ kind: 'drop' });
    expect(renderRule(rule({ action: 'Log' }), 4, 'c')[0]?.verdict).toEqual({ kind: 'log', prefix: 'calico-packet: ' });
  });

  it('ipBlock with except is one set of ranges in IPv4, and the rule disappears from IPv6', () => {
    const r = rule({ src: { nets: ['10.0.0.0/16'], notNets: ['10.0.1.0/24'] } });
    expect(renderRule(r, 4, 'policy p ingress rule 0')).toEqual([
      { matches: [{ kind: 'addr', dir: 'src', elements: ['10.0.0.0/24', '10.0.2.0-10.0.255.255'] }], verdict: { kind: 'markReturn', bits: MARK_ACCEPT }, comment: 'policy p ingress rule 0' },
    ]);
    expect(renderRule(r, 6, 'c')).toEqual([]);
  });

  it('renders IPv6 nets in the IPv6 table only', () => {
    const r = rule({ dst: { nets: ['2001:db8::/64'] } });
    expect(renderRule(r, 6, 'c')[0]?.matches).toEqual([{ kind: 'addr', dir: 'dst', elements: ['2001:db8::/64'] }]);
    expect(renderRule(r, 4, 'c')).toEqual([]);
  });

  it('notNets covering everything can never match', () => {
    expect(renderRule(rule({ src: { notNets: ['0.0.0.0/0'] } }), 4, 'c')).toEqual([]);
    expect(renderRule(rule({ src: { notNets: ['10.0.0.0/8'] } }), 4, 'c')[0]?.matches).toEqual([{ kind: 'addr', dir: 'src', elements: ['10.0.0.0/8'], negate: true }]);
    // An IPv4-only notNets says nothing about IPv6 traffic.
    expect(renderRule(rule({ src: { notNets: ['10.0.0.0/8'] } }), 6, 'c')[0]?.matches).toEqual([]);
  });

  it('honours ipVersion and keeps ICMP to IPv4 and ICMPv6 to IPv6', () => {
    expect(renderRule(rule({ ipVersion: 6 }), 4, 'c')).toEqual([]);
    expect(renderRule(rule({ protocol: 'icmp', icmp: { type: 8 } }), 6, 'c')).toEqual([]);
    expect(renderRule(rule({ protocol: 'icmp', icmp: { type: 8, code: 0 } }), 4, 'c')[0]?.matches).toEqual([
      { kind: 'protocol', protocols: ['icmp'] },
      { kind: 'icmp', type: 8, code: 0 },
    ]);
    expect(renderRule(rule({ protocol: 'icmpv6', notICMP: { type: 128 } }), 6, 'c')[0]?.matches).toEqual([
      { kind: 'protocol', protocols: ['icmpv6'] },
      { kind: 'icmp', type: 128, negate: true },
    ]);
    expect(renderRule(rule({ protocol: 'icmpv6' }), 4, 'c')).toEqual([]);
  });

  it('numeric ports, ranges and each named port become ORed rules; selectors become set lookups', () => {
    const out = renderRule(rule({ protocol: 'tcp', src: { selector: 'a == "1"', notSelector: 'b == "2"' }, dst: { ports: [80, '8000:8080', 'http'] } }), 4, 'c');
    const src = [
      { kind: 'addrSet', dir: 'src', set: PolicyResolver.ipSetIdFor('net', 'a == "1"') },
      { kind: 'addrSet', dir: 'src', set: PolicyResolver.ipSetIdFor('net', 'b == "2"'), negate: true },
    ];
    expect(out.map((r) => r.matches)).toEqual([
      [{ kind: 'protocol', protocols: ['tcp'] }, ...src, { kind: 'ports', dir: 'dst', ports: [80, [8000, 8080]] }],
      [{ kind: 'protocol', protocols: ['tcp'] }, ...src, { kind: 'namedPortSet', dir: 'dst', set: PolicyResolver.ipSetIdFor('named-port', 'all()', 'tcp', 'http') }],
    ]);
  });

  it('notProtocol and notPorts are negated matches', () => {
    expect(renderRule(rule({ protocol: 'udp', notProtocol: '6', dst: { notPorts: [53] } }), 6, 'c')[0]?.matches).toEqual([
      { kind: 'protocol', protocols: ['udp'] },
      { kind: 'protocol', protocols: ['tcp'], negate: true },
      { kind: 'ports', dir: 'dst', ports: [53], negate: true },
    ]);
  });
});
