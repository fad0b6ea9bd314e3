import { BgpError } from './bgp-error';
import { ErrorCode, HeaderSubcode, Origin } from './constants';
import { decodeMessage, describeMessage, encodeMessage } from './message';
import { shutdownNotification } from './notification';
import { ALL_PROPERTIES } from './testing/codec-properties';
import type { BgpMessage, CodecOptions, UpdateMessage } from './types';
import { DEFAULT_CODEC_OPTIONS } from './types';

const OPTS = DEFAULT_CODEC_OPTIONS;
const EXT: CodecOptions = { ...DEFAULT_CODEC_OPTIONS, extendedMessage: true };

function caught(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgpError) return err;
    throw err;
  }
  throw new Error('expected a BgpError, nothing was thrown');
}

const MARKER = 'ff'.repeat(16);

describe('message dispatcher', () => {
  const cases: Array<{ name: string; msg: BgpMessage; wire: string }> = [
    { name: 'KEEPALIVE', msg: { type: 'keepalive' }, wire: `${MARKER}001304` },
    {
      name: 'OPEN',
      msg: { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: [{ kind: 'route-refresh' }] },
      wire: `${MARKER}002101` + '04fde9005a0a000001' + '04' + '02020200',
    },
    { name: 'NOTIFICATION', msg: { type: 'notification', code: 4, subcode: 0, data: Buffer.alloc(0) }, wire: `${MARKER}001503` + '0400' },
    { name: 'ROUTE-REFRESH', msg: { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 }, wire: `${MARKER}001705` + '00020001' },
    { name: 'UPDATE End-of-RIB ipv4', msg: { type: 'update', withdrawn: [], attributes: {}, nlri: [] }, wire: `${MARKER}001702` + '00000000' },
  ];

  it.each(cases)('encodes and decodes $name', ({ msg, wire }) => {
    expect(encodeMessage(msg, OPTS).toString('hex')).toBe(wire);
    expect(decodeMessage(Buffer.from(wire, 'hex'), OPTS).message).toEqual(msg);
  });

  it('returns the RFC 7606 outcome with an UPDATE', () => {
    const d = decodeMessage(Buffer.from(`${MARKER}001702` + '00000000', 'hex'), OPTS);
    expect(d.update?.message).toBe(d.message);
    expect(d.update?.errors).toEqual([]);
  });

  it('round-trips an IPv4 UPDATE through update.ts', () => {
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: [{ family: 'ipv4', address: '10.9.0.0', length: 16 }],
      attributes: { origin: Origin.Igp, asPath: [{ type: 'sequence', asns: [65001, 65002] }], nextHop: '192.0.2.1' },
      nlri: [{ family: 'ipv4', address: '10.244.1.0', length: 24 }],
    };
    const opts: CodecOptions = { ...OPTS, fourOctetAs: true };
    const wire = encodeMessage(msg, opts);
    const d = decodeMessage(wire, opts);
    expect(d.message).toEqual(msg);
    expect(d.update?.handling).toBeUndefined();
    expect(encodeMessage(d.message, opts)).toEqual(wire);
  });

  it('reports an unknown ROUTE-REFRESH subtype as to be ignored', () => {
    const d = decodeMessage(Buffer.from(`${MARKER}001705` + '00010901', 'hex'), OPTS);
    expect(d.ignore).toMatch(/subtype 9/);
  });

  it('rejects a frame whose length disagrees with its header', () => {
    const err = caught(() => decodeMessage(Buffer.from(`${MARKER}001404`, 'hex'), OPTS));
    expect([err.errorCode, err.subcode]).toEqual([ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength]);
    expect(caught(() => decodeMessage(Buffer.from(`${MARKER}00130400`, 'hex'), OPTS)).subcode).toBe(HeaderSubcode.BadMessageLength);
  });

  it('decodes only with the header checks of the options given', () => {
    const body = 'aa'.repeat(5000);
    const wire = Buffer.from(`${MARKER}139d03` + '0602' + body, 'hex');
    expect(caught(() => decodeMessage(wire, OPTS)).subcode).toBe(HeaderSubcode.BadMessageLength);
    expect(decodeMessage(wire, EXT).message).toMatchObject({ type: 'notification', code: 6, subcode: 2 });
  });

  it('refuses to encode an OPEN over 4096 octets even with extended message', () => {
    const caps = Array.from({ length: 17 }, (_, i) => ({ kind: 'unknown' as const, code: 150 + i, value: Buffer.alloc(250) }));
    const msg: BgpMessage = { type: 'open', version: 4, myAs: 1, holdTime: 90, bgpId: '1.1.1.1', capabilities: caps };
    expect(() => encodeMessage(msg, EXT)).toThrow(/exceeds 4096/);
  });

  it('truncates a NOTIFICATION to the largest allowed message', () => {
    const msg: BgpMessage = { type: 'notification', code: 3, subcode: 1, data: Buffer.alloc(70000) };
    expect(encodeMessage(msg, OPTS).length).toBe(4096);
    expect(encodeMessage(msg, EXT).length).toBe(65535);
  });

  it('describes every message in one line', () => {
    const open: BgpMessage = {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpId: '10.0.0.1',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 4200000001 }],
    };
    const update: BgpMessage = {
      type: 'update',
      withdrawn: [],
      attributes: { nextHop: '192.0.2.1', asPath: [{ type: 'sequence', asns: [65001] }, { type: 'set', asns: [1, 2] }] },
      nlri: [{ family: 'ipv4', address: '10.0.0.0', length: 8 }],
    };
    expect([
      describeMessage(open),
      describeMessage(update),
      describeMessage({ type: 'update', withdrawn: [], attributes: {}, nlri: [] }),
      describeMessage({ type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, nlri: [] }),
      describeMessage(shutdownNotification(2, 'maintenance')),
      describeMessage({ type: 'keepalive' }),
      describeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 1 }),
      describeMessage({ type: 'route-refresh', afi: 2, safi: 1, subtype: 0 }),
      describeMessage({ type: 'route-refresh', afi: 2, safi: 1, subtype: 7 }),
    ]).toEqual([
      'OPEN AS 4200000001 hold 90s id 10.0.0.1 [mp ipv4/unicast, as4 4200000001]',
      'UPDATE 1 nlri, 0 withdrawn, next hop 192.0.2.1, as-path [65001 set{1 2}]',
      'UPDATE End-of-RIB ipv4/unicast',
      'UPDATE End-of-RIB ipv6/unicast',
      'NOTIFICATION Cease / Administrative Shutdown: maintenance',
      'KEEPALIVE',
      'ROUTE-REFRESH ipv4/unicast BoRR',
      'ROUTE-REFRESH ipv6/unicast',
      'ROUTE-REFRESH ipv6/unicast subtype 7',
    ]);
  });
});

describe('codec properties (scripts/fuzz-codec.ts runs these longer)', () => {
  it.each(Object.entries(ALL_PROPERTIES))('%s', (_, run) => {
    run({ numRuns: 200 });
  });
});
