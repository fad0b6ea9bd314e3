import { BgpError } from './bgp-error';
import { AS_TRANS, ErrorCode, OpenSubcode } from './constants';
import { decodeOpen, encodeOpen, openAsn, parseIpv4, validateOpen } from './open';
import type { Capability, OpenMessage } from './types';

function caught(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgpError) return err;
    throw err;
  }
  throw new Error('expected a BgpError, nothing was thrown');
}

/** version 4, AS 65001 (fde9), hold 90 (005a), id 10.0.0.1 */
const FIXED = '04fde9005a0a000001';

function open(caps: Capability[], over: Partial<OpenMessage> = {}): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: caps, ...over };
}

/** An unknown capability whose triple is exactly n octets long (n >= 2). */
function filler(n: number, code = 200): Capability {
  return { kind: 'unknown', code, value: Buffer.alloc(n - 2, 0xab) };
}

describe('OPEN', () => {
  it('decodes a classic OPEN (bytes hand-assembled from the RFC 4271 §4.2 layout)', () => {
    // Opt Parm Len 16: one Capabilities parameter with mp ipv4/unicast, route refresh, 4-octet AS 65001.
    const body = Buffer.from(`${FIXED}10` + '020e' + '0104' + '00010001' + '0200' + '4104' + '0000fde9', 'hex');
    expect(decodeOpen(body)).toEqual(
      open([{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65001 }]),
    );
  });

  it('decodes capabilities spread over several parameters, in order', () => {
    const body = Buffer.from(`${FIXED}08` + '02020200' + '02024600', 'hex');
    expect(decodeOpen(body).capabilities).toEqual([{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }]);
  });

  it('decodes an OPEN without optional parameters', () => {
    expect(decodeOpen(Buffer.from(`${FIXED}00`, 'hex'))).toEqual(open([]));
  });

  describe('RFC 9072 extended optional parameters', () => {
    it('decodes the extended form even when the parameters are short (forced by configuration)', () => {
      // Non-Ext OP Len 255, Non-Ext OP Type 255, Ext length 6, param type 2 with 2-octet length 3... of one RR cap.
      const body = Buffer.from(`${FIXED}ff` + 'ff' + '0005' + '02' + '0002' + '0200', 'hex');
      expect(decodeOpen(body).capabilities).toEqual([{ kind: 'route-refresh' }]);
    });

    it('decodes the extended form when Non-Ext OP Len is not 255 (RFC 9072 §3: the type octet decides)', () => {
      const body = Buffer.from(`${FIXED}07` + 'ff' + '0005' + '02' + '0002' + '0200', 'hex');
      expect(decodeOpen(body).capabilities).toEqual([{ kind: 'route-refresh' }]);
    });

    it('decodes a zero-length extended parameters field', () => {
      expect(decodeOpen(Buffer.from(`${FIXED}ff` + 'ff' + '0000', 'hex')).capabilities).toEqual([]);
    });

    it('the FRR #22307 trap: a classic Opt Parm Len of exactly 255 is not the extended form', () => {
      // One classic Capabilities parameter of 253 octets: triples of 2 + 251 octets.
      const caps = [filler(253)];
      const body = encodeOpen(open(caps));
      expect(body[9]).toBe(255);
      expect(body[10]).toBe(2); // first parameter type: Capabilities, not the 255 marker
      expect(body.length).toBe(10 + 255);
      expect(decodeOpen(body)).toEqual(open(caps));
    });

    it('encodes classic up to 255 octets of parameters and extended beyond', () => {
      const classic = encodeOpen(open([filler(253)]));
      expect(classic.length).toBe(10 + 255);
      const extended = encodeOpen(open([filler(254)]));
      expect(extended.subarray(9, 16).toString('hex')).toBe('ff' + 'ff' + '0101' + '02' + '00fe');
      expect(extended.length).toBe(10 + 3 + 3 + 254);
      expect(decodeOpen(extended)).toEqual(open([filler(254)]));
    });

    it('round-trips a large capability list (over 255 octets, under 4096)', () => {
      const caps = Array.from({ length: 10 }, (_, i) => filler(200, 150 + i));
      const msg = open(caps);
      const body = encodeOpen(msg);
      expect(decodeOpen(body)).toEqual(msg);
      expect(encodeOpen(decodeOpen(body))).toEqual(body);
    });

    it('encodes the extended form on request', () => {
      const body = encodeOpen(open([{ kind: 'route-refresh' }]), { forceExtended: true });
      expect(body.subarray(9).toString('hex')).toBe('ffff0005020002' + '0200');
      expect(decodeOpen(body)).toEqual(open([{ kind: 'route-refresh' }]));
    });
  });

  const errorCases: Array<{ name: string; body: string; code: number; subcode: number; data?: string }> = [
    { name: 'version 3', body: '03fde9005a0a00000100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedVersionNumber, data: '0004' },
    { name: 'version 5', body: '05fde9005a0a00000100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedVersionNumber, data: '0004' },
    { name: 'hold time 1', body: '04fde900010a00000100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnacceptableHoldTime },
    { name: 'hold time 2', body: '04fde900020a00000100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnacceptableHoldTime },
    { name: 'BGP identifier 0.0.0.0', body: '04fde9005a0000000000', code: ErrorCode.OpenMessage, subcode: OpenSubcode.BadBgpIdentifier },
    { name: 'BGP identifier 224.0.0.1 (multicast)', body: '04fde9005ae000000100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.BadBgpIdentifier },
    { name: 'BGP identifier 239.255.255.255 (multicast)', body: '04fde9005aefffffff00', code: ErrorCode.OpenMessage, subcode: OpenSubcode.BadBgpIdentifier },
    { name: 'unknown optional parameter type 1', body: `${FIXED}03` + '010100', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedOptionalParameter },
    { name: 'unknown optional parameter type 3 after a good one', body: `${FIXED}06` + '02020200' + '0300', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedOptionalParameter },
    { name: 'unknown parameter type inside the extended form', body: `${FIXED}ff` + 'ff0003' + '070000', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedOptionalParameter },
    { name: 'Opt Parm Len longer than the message', body: `${FIXED}05` + '02020200', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'Opt Parm Len shorter than the message', body: `${FIXED}03` + '02020200', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'parameter length past the parameters', body: `${FIXED}04` + '02050200', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'parameter header cut short', body: `${FIXED}01` + '02', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'extended length field truncated', body: `${FIXED}ff` + 'ff00', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'extended length disagrees with the message', body: `${FIXED}ff` + 'ff0009' + '0200020200', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'capability triple past its parameter', body: `${FIXED}04` + '02020204', code: ErrorCode.OpenMessage, subcode: OpenSubcode.Unspecific },
    { name: 'four-octet AS capability of 2 octets', body: `${FIXED}06` + '02044102fde9', code: ErrorCode.OpenMessage, subcode: OpenSubcode.UnsupportedCapability, data: '4102fde9' },
    { name: 'body shorter than the fixed part', body: '04fde9005a0a0000', code: ErrorCode.MessageHeader, subcode: 2, data: '001b' },
  ];

  it.each(errorCases)('rejects $name', ({ body, code, subcode, data }) => {
    const err = caught(() => decodeOpen(Buffer.from(body, 'hex')));
    expect([err.errorCode, err.subcode]).toEqual([code, subcode]);
    if (data !== undefined) expect(err.data.toString('hex')).toBe(data);
  });

  it.each([0, 3, 90, 65535])('accepts hold time %d', (holdTime) => {
    const body = encodeOpen(open([], { holdTime }));
    expect(decodeOpen(body).holdTime).toBe(holdTime);
  });

  it('refuses to encode impossible field values', () => {
    expect(() => encodeOpen(open([], { myAs: 70000 }))).toThrow(/My AS/);
    expect(() => encodeOpen(open([], { bgpId: '10.0.0' }))).toThrow(/dotted quad/);
    expect(() => encodeOpen(open([], { holdTime: -1 }))).toThrow(/hold time/);
  });

  it('parses dotted quads strictly', () => {
    expect(parseIpv4('192.168.1.254')).toBe(0xc0a801fe);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.x', '', '1..2.3', ' 1.2.3.4']) expect(parseIpv4(bad)).toBeUndefined();
  });
});

describe('validateOpen', () => {
  const local = { asn: 65001, bgpId: '10.0.0.1' };
  const as4 = (asn: number): Capability => ({ kind: 'four-octet-as', asn });

  const cases: Array<{ name: string; msg: OpenMessage; peerAsn: number; want?: [number, number] }> = [
    { name: 'eBGP, 2-octet AS, no capability', msg: open([], { myAs: 65002, bgpId: '10.0.0.2' }), peerAsn: 65002 },
    { name: 'eBGP, wrong AS', msg: open([], { myAs: 65003, bgpId: '10.0.0.2' }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.BadPeerAs] },
    { name: '4-octet AS via AS_TRANS + capability', msg: open([as4(4200000001)], { myAs: AS_TRANS, bgpId: '10.0.0.2' }), peerAsn: 4200000001 },
    { name: 'the capability wins over My AS', msg: open([as4(65010)], { myAs: 65002, bgpId: '10.0.0.2' }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.BadPeerAs] },
    { name: 'AS_TRANS without the capability is AS 23456', msg: open([], { myAs: AS_TRANS, bgpId: '10.0.0.2' }), peerAsn: 4200000001, want: [ErrorCode.OpenMessage, OpenSubcode.BadPeerAs] },
    { name: 'iBGP with our own identifier', msg: open([as4(65001)], { bgpId: '10.0.0.1' }), peerAsn: 65001, want: [ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier] },
    { name: 'iBGP with another identifier', msg: open([as4(65001)], { bgpId: '10.0.0.9' }), peerAsn: 65001 },
    { name: 'eBGP may share our identifier (RFC 6286 §2.2)', msg: open([], { myAs: 65002, bgpId: '10.0.0.1' }), peerAsn: 65002 },
    { name: 'zero identifier', msg: open([], { myAs: 65002, bgpId: '0.0.0.0' }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier] },
    { name: 'multicast identifier', msg: open([], { myAs: 65002, bgpId: '239.1.1.1' }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier] },
    { name: 'hold time 2', msg: open([], { myAs: 65002, bgpId: '10.0.0.2', holdTime: 2 }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime] },
    { name: 'version 3', msg: open([], { myAs: 65002, bgpId: '10.0.0.2', version: 3 }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber] },
    { name: 'version before peer AS (RFC 4271 §6.2 order)', msg: open([], { myAs: 1, version: 3 }), peerAsn: 65002, want: [ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber] },
  ];

  it.each(cases)('$name', ({ msg, peerAsn, want }) => {
    const err = validateOpen(msg, local, { asn: peerAsn });
    expect(err === undefined ? undefined : [err.errorCode, err.subcode]).toEqual(want);
  });

  it('openAsn takes the four-octet capability when present', () => {
    expect(openAsn(open([as4(4200000000)], { myAs: AS_TRANS }))).toBe(4200000000);
    expect(openAsn(open([], { myAs: 65002 }))).toBe(65002);
  });
});
