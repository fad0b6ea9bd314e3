// UPDATE messages through decodeUpdateBody / encodeUpdateBody: hand-checked bytes, round trips for the session
// variants (2- and 4-octet AS, ADD-PATH, IPv6 in MP attributes), End-of-RIB markers.
import { Origin } from './constants';
import type { CodecOptions, UpdateMessage } from './types';
import { decodeUpdateBody, isEndOfRib } from './update';
import { encodeUpdateBody, endOfRib } from './update-encode';
import { BgpEncodeError } from './header';
import { EBGP2, EBGP4, IBGP4, hex } from './testdata/update-bytes';

const v4 = (address: string, length: number, pathId?: number): UpdateMessage['nlri'][number] =>
  pathId === undefined ? { family: 'ipv4', address, length } : { family: 'ipv4', address, length, pathId };
const v6 = (address: string, length: number): UpdateMessage['nlri'][number] => ({ family: 'ipv6', address, length });

describe('UPDATE bytes', () => {
  it('encodes a classic IPv4 announcement exactly', () => {
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: [v4('10.9.0.0', 16)],
      attributes: { origin: Origin.Igp, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '10.0.0.1', med: 0 },
      nlri: [v4('10.0.1.0', 24), v4('192.0.2.7', 32)],
    };
    const want = hex(`
      0003 10 0a09
      001b 40010100 4002060201 0000fde9 4003040a000001 80040400000000
      18 0a0001 20 c0000207`);
    const got = encodeUpdateBody(msg, EBGP4);
    expect(got.toString('hex')).toBe(want.toString('hex'));
    expect(decodeUpdateBody(got, EBGP4)).toEqual({ message: msg, errors: [] });
  });
});

describe('UPDATE round trips', () => {
  const cases: Array<{ name: string; msg: UpdateMessage; opts: CodecOptions }> = [
    {
      name: 'IPv4 classic with communities, 4-octet AS',
      opts: EBGP4,
      msg: {
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: Origin.Incomplete,
          asPath: [{ type: 'sequence', asns: [4200000000, 65001] }],
          nextHop: '192.0.2.1',
          communities: [0xfde80064],
          largeCommunities: [[4200000000, 1, 2]],
        },
        nlri: [v4('10.244.0.0', 26), v4('0.0.0.0', 0)],
      },
    },
    {
      name: 'IPv4 to a 2-octet peer: AS_TRANS + AS4_PATH + AS4_AGGREGATOR, merged back',
      opts: EBGP2,
      msg: {
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: Origin.Igp,
          asPath: [{ type: 'sequence', asns: [65001, 4200000000, 65002] }, { type: 'set', asns: [4200000001, 65003] }],
          nextHop: '192.0.2.1',
          atomicAggregate: true,
          aggregator: { asn: 4200000000, address: '192.0.2.9' },
        },
        nlri: [v4('10.0.0.0', 8)],
      },
    },
    {
      name: 'IPv6 in MP_REACH_NLRI with link-local next hop, iBGP attributes',
      opts: IBGP4,
      msg: {
        type: 'update',
        withdrawn: [],
        attributes: {
          mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1', nlri: [v6('2001:db8:1::', 48), v6('::', 0)] },
          origin: Origin.Igp,
          asPath: [],
          localPref: 100,
          originatorId: '10.0.0.3',
          clusterList: ['10.0.0.250'],
          extendedCommunities: [hex('0002fde800000064')],
        },
        nlri: [],
      },
    },
    {
      name: 'IPv6 withdrawal in MP_UNREACH_NLRI',
      opts: EBGP4,
      msg: {
        type: 'update',
        withdrawn: [],
        attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [v6('2001:db8:1::', 48), v6('2001:db8::1', 128)] } },
        nlri: [],
      },
    },
    {
      name: 'ADD-PATH in both families',
      opts: { ...EBGP4, addPath: new Set(['ipv4', 'ipv6']) },
      msg: {
        type: 'update',
        withdrawn: [v4('10.1.0.0', 16, 1)],
        attributes: {
          origin: Origin.Igp,
          asPath: [{ type: 'sequence', asns: [65001] }],
          nextHop: '192.0.2.1',
          mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: [{ family: 'ipv6', address: '2001:db8:2::', length: 48, pathId: 2 }] },
        },
        nlri: [v4('10.0.1.0', 24, 1), v4('10.0.1.0', 24, 2)],
      },
    },
    {
      name: 'unknown optional transitive attribute with a long value (extended length)',
      opts: EBGP4,
      msg: {
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: Origin.Igp,
          asPath: [{ type: 'sequence', asns: [65001] }],
          nextHop: '192.0.2.1',
          unknown: [{ flags: 0xf0, typeCode: 200, value: Buffer.alloc(300, 7) }],
        },
        nlri: [v4('10.0.1.0', 24)],
      },
    },
  ];
  it.each(cases)('$name', ({ msg, opts }) => {
    const wire = encodeUpdateBody(msg, opts);
    const got = decodeUpdateBody(wire, opts);
    expect(got.errors).toEqual([]);
    expect(got.handling).toBeUndefined();
    expect(got.message).toEqual(msg);
    expect(encodeUpdateBody(got.message, opts).equals(wire)).toBe(true);
  });

  it('refuses IPv6 prefixes in the classic fields and messages above the limit', () => {
    const base: UpdateMessage = { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
    expect(() => encodeUpdateBody({ ...base, nlri: [v6('2001:db8::', 32)] }, EBGP4)).toThrow(BgpEncodeError);
    const many = Array.from({ length: 1100 }, (_, i) => v4(`10.${i >> 8}.${i & 255}.0`, 24));
    expect(() => encodeUpdateBody({ ...base, withdrawn: many }, EBGP4)).toThrow(BgpEncodeError);
    expect(encodeUpdateBody({ ...base, withdrawn: many }, { ...EBGP4, extendedMessage: true }).length).toBe(4 + 1100 * 4);
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('is the minimal UPDATE for IPv4', () => {
    const m = endOfRib('ipv4', EBGP4);
    expect(m.toString('hex')).toBe('ff'.repeat(16) + '0017' + '02' + '00000000');
    expect(isEndOfRib(decodeUpdateBody(m.subarray(19), EBGP4).message)).toBe('ipv4');
  });

  it('is an empty MP_UNREACH_NLRI for IPv6', () => {
    const m = endOfRib('ipv6', EBGP4);
    expect(m.toString('hex')).toBe('ff'.repeat(16) + '001d' + '02' + '0000' + '0006' + '800f03000201');
    const decoded = decodeUpdateBody(m.subarray(19), EBGP4);
    expect(decoded.errors).toEqual([]);
    expect(isEndOfRib(decoded.message)).toBe('ipv6');
  });

  it('is not any other UPDATE', () => {
    const none: UpdateMessage[] = [
      { type: 'update', withdrawn: [v4('10.0.0.0', 8)], attributes: {}, nlri: [] },
      { type: 'update', withdrawn: [], attributes: { origin: Origin.Igp }, nlri: [] },
      { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [v6('2001:db8::', 32)] } }, nlri: [] },
      { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] }, origin: Origin.Igp }, nlri: [] },
    ];
    for (const m of none) expect(isEndOfRib(m)).toBeUndefined();
  });
});
