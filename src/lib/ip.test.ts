import fc from 'fast-check';
import {
  canonicalCidr,
  cidrFromBytes,
  familyOf,
  ipAddrBytes,
  ipAddrFromBytes,
  ipBytes,
  ipTextFromBytes,
  cidrContains,
  cidrLast,
  cidrSize,
  cidrsOverlap,
  formatIp,
  ipFamily,
  isLinkLocal,
  parseCidr,
  parseIp,
  parseIpOrCidr,
  tryParseCidr,
  tryParseIp,
} from './ip';

describe('parseIp / formatIp', () => {
  const cases: Array<{ input: string; want: string | undefined }> = [
    { input: '10.0.0.1', want: '10.0.0.1' },
    { input: '255.255.255.255', want: '255.255.255.255' },
    { input: '256.0.0.1', want: undefined },
    { input: '010.0.0.1', want: undefined },
    { input: '10.0.0', want: undefined },
    { input: 'fd00::1', want: 'fd00::1' },
    { input: 'FD00:0:0:0:0:0:0:1', want: 'fd00::1' },
    { input: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' },
    { input: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1' },
    { input: '::', want: '::' },
    { input: '::ffff:1.2.3.4', want: '::ffff:102:304' },
    { input: '1::2::3', want: undefined },
    { input: '1:2:3:4:5:6:7:8:9', want: undefined },
    { input: 'hello', want: undefined },
    { input: '', want: undefined },
  ];
  it.each(cases)('$input', ({ input, want }) => {
    const ip = tryParseIp(input);
    expect(ip ? formatIp(ip) : undefined).toBe(want);
  });

  it('parseIp throws a coded error', () => {
    expect(() => parseIp('x')).toThrow(expect.objectContaining({ code: 'InvalidIP' }));
  });

  it('ipFamily', () => {
    expect(ipFamily('1.2.3.4')).toBe(4);
    expect(ipFamily('::1')).toBe(6);
    expect(ipFamily('1.2.3.4/32')).toBeUndefined();
  });

  it('IPv6 text round trips through value for any 128-bit number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
        const text = formatIp({ family: 6, value: v });
        expect(parseIp(text).value).toBe(v);
      }),
    );
  });
});

describe('CIDRs', () => {
  const cases: Array<{ input: string; want: string | undefined }> = [
    { input: '10.244.1.7/16', want: '10.244.0.0/16' },
    { input: '10.244.0.0/16', want: '10.244.0.0/16' },
    { input: '0.0.0.0/0', want: '0.0.0.0/0' },
    { input: '10.0.0.0/33', want: undefined },
    { input: '10.0.0.0', want: undefined },
    { input: 'FD00:0::5/64', want: 'fd00::/64' },
    { input: 'fd00::/129', want: undefined },
    { input: '10.0.0.0/-1', want: undefined },
  ];
  it.each(cases)('canonical $input', ({ input, want }) => {
    expect(tryParseCidr(input) ? canonicalCidr(input) : undefined).toBe(want);
  });

  it('containment and overlap', () => {
    const pool = parseCidr('10.244.0.0/16');
    expect(cidrContains(pool, parseCidr('10.244.3.0/24'))).toBe(true);
    expect(cidrContains(pool, parseCidr('10.0.0.0/8'))).toBe(false);
    expect(cidrContains(pool, parseIp('10.244.255.255'))).toBe(true);
    expect(cidrContains(pool, parseIp('10.245.0.0'))).toBe(false);
    expect(cidrContains(pool, parseIp('::1'))).toBe(false);
    expect(cidrsOverlap(pool, parseCidr('10.0.0.0/8'))).toBe(true);
    expect(cidrsOverlap(pool, parseCidr('10.245.0.0/16'))).toBe(false);
  });

  it('size, last address, host prefixes, link-local', () => {
    expect(cidrSize(parseCidr('10.0.0.0/26'))).toBe(64n);
    expect(formatIp(cidrLast(parseCidr('10.0.0.0/26')))).toBe('10.0.0.63');
    expect(parseIpOrCidr('10.0.0.1').prefixLen).toBe(32);
    expect(parseIpOrCidr('fd00::1').prefixLen).toBe(128);
    expect(isLinkLocal(parseCidr('169.254.1.0/24'))).toBe(true);
    expect(isLinkLocal(parseCidr('fe80::/64'))).toBe(true);
    expect(isLinkLocal(parseCidr('10.0.0.0/8'))).toBe(false);
  });
});

describe('byte views and familyOf', () => {
  it.each([
    ['10.1.2.3', 4, '0a010203'],
    ['2001:db8::1', 6, '20010db8000000000000000000000001'],
    ['::ffff:1.2.3.4', 6, '00000000000000000000ffff01020304'],
  ] as const)('%s: family %d, octets %s, and back', (text, family, hex) => {
    expect(familyOf(text)).toBe(family);
    expect(ipBytes(text)?.toString('hex')).toBe(hex);
    const back = ipTextFromBytes(Buffer.from(hex, 'hex'));
    expect(back).toBe(formatIp(parseIp(text)));
    expect(ipAddrBytes(parseIp(text)).toString('hex')).toBe(hex);
    expect(ipAddrFromBytes(Buffer.from(hex, 'hex'))).toEqual(parseIp(text));
  });

  it('familyOf takes CIDR text and refuses what is not an address', () => {
    expect(familyOf('10.0.0.0/8')).toBe(4);
    expect(familyOf('fd00::/64')).toBe(6);
    for (const bad of ['', '10.0.0', '010.0.0.1', '1::2::3', 'eth0', 'fe80::1%eth0']) expect(familyOf(bad)).toBeUndefined();
    expect(ipBytes('300.1.1.1')).toBeUndefined();
    expect(ipTextFromBytes(new Uint8Array(5))).toBeUndefined();
  });

  it('cidrFromBytes builds a prefix and checks its length', () => {
    expect(cidrFromBytes(Uint8Array.from([10, 244, 0, 0]), 16)).toEqual(parseCidr('10.244.0.0/16'));
    expect(cidrFromBytes(Uint8Array.from([10, 244, 0, 0]), 33)).toBeUndefined();
  });
});
