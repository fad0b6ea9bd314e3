import { bytesToIp, canonicalCidr, canonicalIp, canonicalMac, cidrContains, ipToBytes, parseCidr, parseIfAddr } from './addr';
import { NetlinkError } from './netlink-error';

describe('addr', () => {
  const ips: Array<{ input: string; want: string; hex: string }> = [
    { input: '10.0.0.1', want: '10.0.0.1', hex: '0a000001' },
    { input: '::', want: '::', hex: '0'.repeat(32) },
    { input: '::1', want: '::1', hex: '0'.repeat(31) + '1' },
    { input: '2001:DB8:0:0:0:0:0:1', want: '2001:db8::1', hex: '20010db8' + '0'.repeat(23) + '1' },
    // RFC 5952 §4.2.2: a single zero group is not shortened; §4.2.3: the longest run (first on a tie) is.
    { input: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1', hex: '20010db8000000010001000100010001' },
    { input: '2001:0:0:1:0:0:0:1', want: '2001:0:0:1::1', hex: '20010000000000010000000000000001' },
    { input: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1', hex: '20010db8000000000001000000000001' },
    { input: '::ffff:10.1.2.3', want: '::ffff:a01:203', hex: '00000000000000000000ffff0a010203' },
    { input: 'fe80::', want: 'fe80::', hex: 'fe80' + '0'.repeat(28) },
  ];
  it.each(ips)('ip $input -> $want', ({ input, want, hex }) => {
    expect(ipToBytes(input).toString('hex')).toBe(hex);
    expect(canonicalIp(input)).toBe(want);
    expect(bytesToIp(Buffer.from(hex, 'hex'))).toBe(want);
  });

  const cidrs: Array<{ input: string; want: string }> = [
    { input: '10.244.1.7/24', want: '10.244.1.0/24' },
    { input: '10.244.1.7', want: '10.244.1.7/32' },
    { input: '0.0.0.0/0', want: '0.0.0.0/0' },
    { input: '192.168.255.255/17', want: '192.168.128.0/17' },
    { input: '2001:db8::1/64', want: '2001:db8::/64' },
    { input: 'fd00::1', want: 'fd00::1/128' },
    { input: '::/0', want: '::/0' },
  ];
  it.each(cidrs)('cidr $input -> $want', ({ input, want }) => {
    expect(canonicalCidr(input)).toBe(want);
  });

  const bad = ['10.0.0.1/33', '10.0.0.256/24', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/abc', 'eth0', '', '1.2.3.4/-1'];
  it.each(bad)('rejects %j with NetlinkError EINVAL', (input) => {
    let err: unknown;
    try {
      parseCidr(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ errno: 'EINVAL' });
    expect((err as Error).message).toContain(JSON.stringify(input));
  });

  it('keeps host bits in interface addresses', () => {
    expect(parseIfAddr('10.0.0.1/24')).toEqual({ family: 4, ip: '10.0.0.1', prefixLen: 24, text: '10.0.0.1/24' });
    expect(parseIfAddr('FD00::1/64')).toEqual({ family: 6, ip: 'fd00::1', prefixLen: 64, text: 'fd00::1/64' });
  });

  it('tests containment within a family', () => {
    expect(cidrContains('10.0.0.0/24', '10.0.0.255')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.1.0')).toBe(false);
    expect(cidrContains('10.0.0.0/24', '::1')).toBe(false);
    expect(cidrContains('fd00::/8', 'fd12::1')).toBe(true);
  });

  it('parses and prints MAC addresses', () => {
    expect(canonicalMac('02:AB:cd:00:00:01')).toBe('02:ab:cd:00:00:01');
    expect(() => canonicalMac('02:ab:cd:00:00')).toThrow(NetlinkError);
    expect(() => canonicalMac('02-ab-cd-00-00-01')).toThrow(NetlinkError);
  });
});
