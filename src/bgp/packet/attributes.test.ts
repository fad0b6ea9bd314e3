// Round trips of every attribute through the Path Attributes codec: encode gives the hand-written bytes, decode gives
// the value back, with no error.
import { decodeAttributes, encodeAttributes } from './attributes';
import { Origin, UpdateSubcode } from './constants';
import type { CodecOptions, PathAttributes } from './types';
import { EBGP2, EBGP4, IBGP4, hex } from './testdata/update-bytes';

const V6_NH = '20010db8000000000000000000000001';
const LL_NH = 'fe800000000000000000000000000001';

const cases: Array<{ name: string; attrs: PathAttributes; wire: string; opts?: CodecOptions }> = [
  { name: 'ORIGIN IGP', attrs: { origin: Origin.Igp }, wire: '40 01 01 00' },
  { name: 'ORIGIN INCOMPLETE', attrs: { origin: Origin.Incomplete }, wire: '40 01 01 02' },
  {
    name: 'AS_PATH 4-octet sequence and set',
    attrs: { asPath: [{ type: 'sequence', asns: [65001, 65002] }, { type: 'set', asns: [65003] }] },
    wire: '40 02 10 02 02 0000fde9 0000fdea 01 01 0000fdeb',
  },
  {
    name: 'AS_PATH confederation segments',
    attrs: { asPath: [{ type: 'confed-sequence', asns: [64512] }, { type: 'confed-set', asns: [64513] }, { type: 'sequence', asns: [65001] }] },
    wire: '40 02 12 03 01 0000fc00 04 01 0000fc01 02 01 0000fde9',
    opts: IBGP4,
  },
  { name: 'AS_PATH 2-octet', attrs: { asPath: [{ type: 'sequence', asns: [65001] }] }, wire: '40 02 04 02 01 fde9', opts: EBGP2 },
  { name: 'empty AS_PATH (iBGP origination)', attrs: { asPath: [] }, wire: '40 02 00', opts: IBGP4 },
  { name: 'NEXT_HOP', attrs: { nextHop: '192.0.2.1' }, wire: '40 03 04 c0000201' },
  { name: 'MULTI_EXIT_DISC', attrs: { med: 100 }, wire: '80 04 04 00000064' },
  { name: 'LOCAL_PREF (iBGP)', attrs: { localPref: 200 }, wire: '40 05 04 000000c8', opts: IBGP4 },
  { name: 'ATOMIC_AGGREGATE', attrs: { atomicAggregate: true }, wire: '40 06 00' },
  { name: 'AGGREGATOR 4-octet', attrs: { aggregator: { asn: 65001, address: '192.0.2.1' } }, wire: 'c0 07 08 0000fde9 c0000201' },
  { name: 'AGGREGATOR 2-octet', attrs: { aggregator: { asn: 65001, address: '192.0.2.1' } }, wire: 'c0 07 06 fde9 c0000201', opts: EBGP2 },
  { name: 'COMMUNITIES', attrs: { communities: [0xfde80064, 0xffffff01] }, wire: 'c0 08 08 fde80064 ffffff01' },
  { name: 'ORIGINATOR_ID (iBGP)', attrs: { originatorId: '10.0.0.9' }, wire: '80 09 04 0a000009', opts: IBGP4 },
  { name: 'CLUSTER_LIST (iBGP)', attrs: { clusterList: ['10.0.0.1', '10.0.0.2'] }, wire: '80 0a 08 0a000001 0a000002', opts: IBGP4 },
  {
    name: 'MP_REACH_NLRI IPv6 with link-local next hop',
    attrs: {
      mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1', nlri: [{ family: 'ipv6', address: '2001:db8:1::', length: 48 }] },
    },
    wire: `80 0e 2c 0002 01 20 ${V6_NH} ${LL_NH} 00 30 20010db80001`,
  },
  {
    name: 'MP_REACH_NLRI IPv6 global next hop only, ADD-PATH',
    attrs: { mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: [{ family: 'ipv6', address: '2001:db8:1::', length: 48, pathId: 9 }] } },
    wire: `80 0e 20 0002 01 10 ${V6_NH} 00 00000009 30 20010db80001`,
    opts: { ...EBGP4, addPath: new Set(['ipv6']) },
  },
  {
    name: 'MP_REACH_NLRI IPv4 unicast',
    attrs: { mpReach: { afi: 1, safi: 1, nextHop: '192.0.2.1', nlri: [{ family: 'ipv4', address: '10.0.1.0', length: 24 }] } },
    wire: '80 0e 0d 0001 01 04 c0000201 00 18 0a0001',
  },
  {
    name: 'MP_UNREACH_NLRI IPv6',
    attrs: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ family: 'ipv6', address: '2001:db8:1::', length: 48 }] } },
    wire: '80 0f 0a 0002 01 30 20010db80001',
  },
  { name: 'EXTENDED_COMMUNITIES', attrs: { extendedCommunities: [hex('0002fde800000064')] }, wire: 'c0 10 08 0002fde800000064' },
  { name: 'LARGE_COMMUNITY', attrs: { largeCommunities: [[65000, 1, 2]] }, wire: 'c0 20 0c 0000fde8 00000001 00000002' },
  {
    name: 'unknown optional transitive, already Partial',
    attrs: { unknown: [{ flags: 0xe0, typeCode: 99, value: hex('abcd') }] },
    wire: 'e0 63 02 abcd',
  },
  {
    name: 'extended length only above 255 octets',
    attrs: { communities: Array.from({ length: 70 }, (_, i) => 0xfde80000 + i) },
    wire: `d0 08 0118 ${Array.from({ length: 70 }, (_, i) => (0xfde80000 + i).toString(16)).join('')}`,
  },
  {
    name: 'MP first (RFC 7606 §5.1), then ascending type code',
    attrs: {
      largeCommunities: [[1, 2, 3]],
      med: 5,
      origin: Origin.Egp,
      mpUnreach: { afi: 2, safi: 1, withdrawn: [] },
    },
    wire: '80 0f 03 000201 40 01 01 01 80 04 04 00000005 c0 20 0c 000000010000000200000003',
  },
];

describe('path attributes round trip', () => {
  it.each(cases)('$name', ({ attrs, wire, opts }) => {
    const o = opts ?? EBGP4;
    expect(encodeAttributes(attrs, o).toString('hex')).toBe(wire.replace(/\s+/g, ''));
    const got = decodeAttributes(hex(wire), o, { hasClassicNlri: false });
    // Alone, an MP_REACH_NLRI with routes lacks ORIGIN and AS_PATH (RFC 7606 §3 (d)); nothing else may be reported.
    expect(got.errors.filter((e) => e.subcode !== UpdateSubcode.MissingWellKnownAttribute)).toEqual([]);
    expect(got.attributes).toEqual(attrs);
  });

  it('sets Partial on an unknown optional transitive attribute passed on', () => {
    expect(encodeAttributes({ unknown: [{ flags: 0xc0, typeCode: 99, value: hex('01') }] }, EBGP4).toString('hex')).toBe('e0630101');
  });

  it('keeps an unknown optional non-transitive attribute for display but never sends it', () => {
    const got = decodeAttributes(hex('80 63 01 01'), EBGP4, { hasClassicNlri: false });
    expect(got.attributes.unknown).toEqual([{ flags: 0x80, typeCode: 99, value: hex('01') }]);
    expect(encodeAttributes(got.attributes, EBGP4).length).toBe(0);
  });

  it('accepts the Extended Length bit on a short attribute', () => {
    expect(decodeAttributes(hex('50 01 0001 02'), EBGP4, { hasClassicNlri: false }).attributes).toEqual({ origin: Origin.Incomplete });
  });

  it('leaves empty lists out instead of sending malformed zero-length attributes', () => {
    expect(encodeAttributes({ communities: [], clusterList: [], largeCommunities: [], extendedCommunities: [] }, IBGP4).length).toBe(0);
  });
});

describe('AS4_PATH and AS4_AGGREGATOR with a 2-octet peer (RFC 6793)', () => {
  const big = 4200000000; // 0xfa56ea00
  it('generates AS4_PATH and AS4_AGGREGATOR beside AS_TRANS', () => {
    const attrs: PathAttributes = {
      asPath: [{ type: 'sequence', asns: [65001, big] }],
      aggregator: { asn: big, address: '192.0.2.1' },
    };
    const wire = encodeAttributes(attrs, EBGP2).toString('hex');
    expect(wire).toBe(
      ['40 02 06 02 02 fde9 5ba0', 'c0 07 06 5ba0 c0000201', 'c0 11 0a 02 02 0000fde9 fa56ea00', 'c0 12 08 fa56ea00 c0000201'].join('').replace(/\s+/g, ''),
    );
    expect(decodeAttributes(Buffer.from(wire, 'hex'), EBGP2, { hasClassicNlri: false }).attributes).toEqual(attrs);
  });

  it('writes no AS4_PATH when every ASN fits in two octets', () => {
    expect(encodeAttributes({ asPath: [{ type: 'sequence', asns: [65001] }] }, EBGP2).toString('hex')).toBe('400204' + '0201fde9');
  });

  it('keeps confederation segments out of AS4_PATH', () => {
    const attrs: PathAttributes = { asPath: [{ type: 'confed-sequence', asns: [64512] }, { type: 'sequence', asns: [big] }] };
    const wire = encodeAttributes(attrs, { ...EBGP2, internal: true });
    expect(wire.toString('hex')).toContain('c0110602' + '01fa56ea00');
    expect(decodeAttributes(wire, { ...EBGP2, internal: true }, { hasClassicNlri: false }).attributes).toEqual(attrs);
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR is not AS_TRANS', () => {
    const wire = hex('40 02 04 02 01 5ba0  c0 07 06 fde9 c0000201  c0 11 06 02 01 fa56ea00  c0 12 08 fa56ea00 c0000201');
    expect(decodeAttributes(wire, EBGP2, { hasClassicNlri: false }).attributes).toEqual({
      asPath: [{ type: 'sequence', asns: [23456] }],
      aggregator: { asn: 65001, address: '192.0.2.1' },
    });
  });

  it('merges an AS4_PATH shorter than AS_PATH by prepending the leading ASNs', () => {
    const wire = hex('40 02 08 02 03 fde9 5ba0 fdea  c0 11 0a 02 02 fa56ea00 0000fdea');
    expect(decodeAttributes(wire, EBGP2, { hasClassicNlri: false }).attributes.asPath).toEqual([{ type: 'sequence', asns: [65001, big, 65002] }]);
  });

  it('drops confederation segments found in AS4_PATH', () => {
    const wire = hex('40 02 04 02 01 5ba0  c0 11 0c 03 01 0000fc00 02 01 fa56ea00');
    expect(decodeAttributes(wire, EBGP2, { hasClassicNlri: false }).attributes.asPath).toEqual([{ type: 'sequence', asns: [big] }]);
  });
});
