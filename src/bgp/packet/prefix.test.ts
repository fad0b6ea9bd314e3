// NLRI prefix codec and address text: tables of wire forms, canonical text (RFC 5952) and the errors RFC 7606 §5.3 names.
import { BgpError } from './bgp-error';
import { UpdateSubcode } from './constants';
import { BgpEncodeError } from './header';
import {
  canonicalAddress,
  decodePrefixes,
  encodePrefixes,
  formatIpv6,
  formatPrefix,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixWireLength,
} from './prefix';
import type { Prefix } from './types';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('IPv4 text', () => {
  const cases: Array<{ input: string; want: number | undefined }> = [
    { input: '10.0.0.1', want: 0x0a000001 },
    { input: '255.255.255.255', want: 0xffffffff },
    { input: '0.0.0.0', want: 0 },
    { input: '10.0.0', want: undefined },
    { input: '10.0.0.256', want: undefined },
    { input: '10.0.0.01', want: undefined },
    { input: '10..0.1', want: undefined },
    { input: '10.0.0.1.', want: undefined },
    { input: '10.0.0.x', want: undefined },
    { input: '1.2.3.4.5', want: undefined },
  ];
  it.each(cases)('parseIpv4($input)', ({ input, want }) => expect(parseIpv4(input)).toBe(want));
});

describe('IPv6 text (RFC 5952 canonical form)', () => {
  const cases: Array<{ input: string; want: string | undefined }> = [
    { input: '2001:db8::1', want: '2001:db8::1' },
    { input: '2001:0DB8:0000:0000:0000:0000:0000:0001', want: '2001:db8::1' },
    { input: '::', want: '::' },
    { input: '::1', want: '::1' },
    { input: 'fe80::', want: 'fe80::' },
    { input: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1' }, // one zero group is not shortened
    { input: '2001:0:0:1:0:0:0:1', want: '2001:0:0:1::1' }, // the longest run wins
    { input: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' }, // the first of equal runs wins
    { input: '::ffff:192.0.2.1', want: '::ffff:c000:201' },
    { input: '1::2::3', want: undefined },
    { input: '1:2:3:4:5:6:7', want: undefined },
    { input: '1:2:3:4:5:6:7:8:9', want: undefined },
    { input: '12345::', want: undefined },
    { input: 'g::', want: undefined },
    { input: ':::', want: undefined },
  ];
  it.each(cases)('$input -> $want', ({ input, want }) => {
    const b = parseIpv6(input);
    expect(b === undefined ? undefined : formatIpv6(b)).toBe(want);
  });
});

describe('decodePrefixes / encodePrefixes', () => {
  const cases: Array<{ name: string; family: 'ipv4' | 'ipv6'; addPath: boolean; wire: string; want: Prefix[] }> = [
    { name: 'IPv4 /24', family: 'ipv4', addPath: false, wire: '18 0a0001', want: [{ family: 'ipv4', address: '10.0.1.0', length: 24 }] },
    { name: 'IPv4 default route', family: 'ipv4', addPath: false, wire: '00', want: [{ family: 'ipv4', address: '0.0.0.0', length: 0 }] },
    { name: 'IPv4 /32 and /9', family: 'ipv4', addPath: false, wire: '20 c0000201 09 0a80', want: [
      { family: 'ipv4', address: '192.0.2.1', length: 32 },
      { family: 'ipv4', address: '10.128.0.0', length: 9 },
    ] },
    { name: 'IPv4 ADD-PATH', family: 'ipv4', addPath: true, wire: '00000007 18 0a0001', want: [{ family: 'ipv4', address: '10.0.1.0', length: 24, pathId: 7 }] },
    { name: 'IPv6 /48', family: 'ipv6', addPath: false, wire: '30 20010db80001', want: [{ family: 'ipv6', address: '2001:db8:1::', length: 48 }] },
    { name: 'IPv6 /128', family: 'ipv6', addPath: false, wire: '80 20010db8000000000000000000000001', want: [{ family: 'ipv6', address: '2001:db8::1', length: 128 }] },
    { name: 'IPv6 ADD-PATH /0', family: 'ipv6', addPath: true, wire: 'ffffffff 00', want: [{ family: 'ipv6', address: '::', length: 0, pathId: 0xffffffff }] },
  ];
  it.each(cases)('$name round-trips', ({ family, addPath, wire, want }) => {
    expect(decodePrefixes(hex(wire), family, addPath)).toEqual(want);
    expect(encodePrefixes(want, addPath).toString('hex')).toBe(wire.replace(/\s+/g, ''));
    expect(want.reduce((n, p) => n + prefixWireLength(p, addPath), 0)).toBe(hex(wire).length);
  });

  const bad: Array<{ name: string; family: 'ipv4' | 'ipv6'; addPath: boolean; wire: string }> = [
    { name: 'IPv4 length 33', family: 'ipv4', addPath: false, wire: '21 0a000000 00' },
    { name: 'IPv6 length 129', family: 'ipv6', addPath: false, wire: '81' + '00'.repeat(17) },
    { name: 'prefix past the end', family: 'ipv4', addPath: false, wire: '18 0a00' },
    { name: 'host bits set', family: 'ipv4', addPath: false, wire: '17 0a0001' },
    { name: 'IPv6 host bits set', family: 'ipv6', addPath: false, wire: '21 20010db8c0' },
    { name: 'ADD-PATH id cut short', family: 'ipv4', addPath: true, wire: '000000' },
    { name: 'ADD-PATH id without length', family: 'ipv4', addPath: true, wire: '00000001' },
  ];
  it.each(bad)('$name is Invalid Network Field, session reset', ({ family, addPath, wire }) => {
    let caught: unknown;
    try {
      decodePrefixes(hex(wire), family, addPath);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BgpError);
    expect((caught as BgpError).subcode).toBe(UpdateSubcode.InvalidNetworkField);
    expect((caught as BgpError).handling).toBe('session-reset');
  });

  it('refuses to encode host bits, bad addresses and a missing path id', () => {
    expect(() => encodePrefixes([{ family: 'ipv4', address: '10.0.0.1', length: 24 }], false)).toThrow(BgpEncodeError);
    expect(() => encodePrefixes([{ family: 'ipv6', address: '2001:db8::1', length: 64 }], false)).toThrow(BgpEncodeError);
    expect(() => encodePrefixes([{ family: 'ipv4', address: '10.0.0', length: 8 }], false)).toThrow(BgpEncodeError);
    expect(() => encodePrefixes([{ family: 'ipv4', address: '10.0.0.0', length: 33 }], false)).toThrow(BgpEncodeError);
    expect(() => encodePrefixes([{ family: 'ipv4', address: '10.0.0.0', length: 8 }], true)).toThrow(BgpEncodeError);
  });
});

describe('prefix text', () => {
  it('parses and formats prefixes', () => {
    expect(parsePrefix('10.0.1.0/24')).toEqual({ family: 'ipv4', address: '10.0.1.0', length: 24 });
    expect(parsePrefix('2001:DB8::/32', 5)).toEqual({ family: 'ipv6', address: '2001:db8::', length: 32, pathId: 5 });
    expect(parsePrefix('10.0.1.1/24')).toBeUndefined();
    expect(parsePrefix('10.0.1.0/33')).toBeUndefined();
    expect(parsePrefix('10.0.1.0')).toBeUndefined();
    expect(parsePrefix('10.0.1.0/2x')).toBeUndefined();
    expect(formatPrefix({ family: 'ipv4', address: '10.0.1.0', length: 24, pathId: 3 })).toBe('10.0.1.0/24 path-id 3');
    expect(canonicalAddress('ipv6', '2001:DB8:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('ipv4', '10.1.2.3')).toBe('10.1.2.3');
  });
});
