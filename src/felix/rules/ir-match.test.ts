import type { Match, NamedSet } from './ir';
import { matchHolds, type Packet } from './ir-match';

const tcp: Packet = { family: 4, src: '10.0.0.1', dst: '10.0.1.5', protocol: 'tcp', srcPort: 40000, dstPort: 80 };
const ping: Packet = { family: 4, src: '10.0.0.1', dst: '10.0.1.5', protocol: 'icmp', icmpType: 8, icmpCode: 0 };
const v6: Packet = { family: 6, src: 'fd00::1', dst: 'fd00::1:5', protocol: 'udp', srcPort: 5000, dstPort: 53 };

const sets: Record<string, NamedSet> = {
  hosts: { name: 'hosts', type: 'host', elements: ['10.0.0.1', '10.0.0.2'] },
  nets: { name: 'nets', type: 'addr', elements: ['10.0.1.0-10.0.1.4', '10.0.1.6/31'] },
  named: { name: 'named', type: 'addr-proto-port', elements: ['10.0.1.5 . tcp . 80', '10.0.1.5 . udp . 53'] },
  named6: { name: 'named6', type: 'addr-proto-port', elements: ['fd00:0:0:0:0:0:1:5 . udp . 53'] },
};
const lookup = (n: string): NamedSet | undefined => sets[n];

const cases: Array<{ name: string; m: Match; p: Packet; want: boolean }> = [
  { name: 'protocol by name', m: { kind: 'protocol', protocols: ['tcp'] }, p: tcp, want: true },
  { name: 'protocol by number', m: { kind: 'protocol', protocols: ['6'] }, p: tcp, want: true },
  { name: 'negated protocol', m: { kind: 'protocol', protocols: ['udp'], negate: true }, p: tcp, want: true },
  { name: 'address in a CIDR', m: { kind: 'addr', dir: 'dst', elements: ['10.0.1.0/24'] }, p: tcp, want: true },
  { name: 'address in the hole an except left (ranges around it)', m: { kind: 'addr', dir: 'dst', elements: ['10.0.1.0-10.0.1.4', '10.0.1.6/31'] }, p: tcp, want: false },
  { name: 'negated address', m: { kind: 'addr', dir: 'src', elements: ['10.0.0.0/24'], negate: true }, p: tcp, want: false },
  { name: 'host set', m: { kind: 'addrSet', dir: 'src', set: 'hosts' }, p: tcp, want: true },
  { name: 'interval set, address outside', m: { kind: 'addrSet', dir: 'dst', set: 'nets' }, p: tcp, want: false },
  { name: 'unknown set is empty', m: { kind: 'addrSet', dir: 'dst', set: 'gone' }, p: tcp, want: false },
  { name: 'port range', m: { kind: 'ports', dir: 'dst', ports: [[79, 81]] }, p: tcp, want: true },
  { name: 'negated port list', m: { kind: 'ports', dir: 'dst', ports: [80, 443], negate: true }, p: tcp, want: false },
  { name: 'ports never match a packet without ports, negated or not', m: { kind: 'ports', dir: 'dst', ports: [80], negate: true }, p: ping, want: false },
  { name: 'named port: address, protocol and port', m: { kind: 'namedPortSet', dir: 'dst', set: 'named' }, p: tcp, want: true },
  { name: 'named port: other port', m: { kind: 'namedPortSet', dir: 'dst', set: 'named' }, p: { ...tcp, dstPort: 81 }, want: false },
  { name: 'named port: IPv6 compared as addresses', m: { kind: 'namedPortSet', dir: 'dst', set: 'named6' }, p: v6, want: true },
  { name: 'icmp type', m: { kind: 'icmp', type: 8 }, p: ping, want: true },
  { name: 'icmp type and code', m: { kind: 'icmp', type: 8, code: 1 }, p: ping, want: false },
  { name: 'icmp code alone', m: { kind: 'icmp', code: 0 }, p: ping, want: true },
  { name: 'negated icmp on a TCP packet does not match (nft adds l4proto icmp)', m: { kind: 'icmp', type: 0, negate: true }, p: tcp, want: false },
  { name: 'negated icmp type', m: { kind: 'icmp', type: 0, negate: true }, p: ping, want: true },
  { name: 'first packet is conntrack new', m: { kind: 'ctState', states: ['new'] }, p: tcp, want: true },
];

describe('matchHolds', () => {
  for (const c of cases) it(c.name, () => expect(matchHolds(c.m, c.p, lookup)).toBe(c.want));

  it('asks for the source port where a rule matches on it', () => {
    const { srcPort: _unused, ...noSrc } = tcp;
    expect(() => matchHolds({ kind: 'ports', dir: 'src', ports: [1] }, noSrc, lookup, 'policy p rule 0')).toThrow(expect.objectContaining({ code: 'EXPLAIN_SOURCE_PORT_NEEDED' }));
  });

  it('refuses base-chain matches', () => {
    expect(() => matchHolds({ kind: 'iifname', name: 'cali*' }, tcp, lookup)).toThrow(expect.objectContaining({ code: 'EXPLAIN_UNSUPPORTED_MATCH' }));
  });
});
