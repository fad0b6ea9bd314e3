import { BgpError } from './bgp-error';
import {
  codecOptionsFor,
  decodeCapabilities,
  describeCapability,
  encodeCapabilities,
  encodeCapability,
  negotiate,
  unsupportedCapabilityError,
} from './capabilities';
import { AS_TRANS, ErrorCode, OpenSubcode } from './constants';
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

// Each capability with its triple as RFC 5492 §4 and the capability's own RFC lay it out.
const roundTrips: Array<{ name: string; cap: Capability; wire: string }> = [
  { name: 'multiprotocol ipv4/unicast (RFC 4760 §8)', cap: { kind: 'multiprotocol', afi: 1, safi: 1 }, wire: '0104' + '00010001' },
  { name: 'multiprotocol ipv6/unicast', cap: { kind: 'multiprotocol', afi: 2, safi: 1 }, wire: '0104' + '00020001' },
  { name: 'route refresh (RFC 2918)', cap: { kind: 'route-refresh' }, wire: '0200' },
  { name: 'route refresh, Cisco code 128', cap: { kind: 'route-refresh-cisco' }, wire: '8000' },
  { name: 'enhanced route refresh (RFC 7313)', cap: { kind: 'enhanced-route-refresh' }, wire: '4600' },
  { name: 'extended message (RFC 8654)', cap: { kind: 'extended-message' }, wire: '0600' },
  { name: 'four-octet AS (RFC 6793)', cap: { kind: 'four-octet-as', asn: 4200000001 }, wire: '4104' + 'fa56ea01' },
  {
    name: 'graceful restart with R and N, 120 s, two families (RFC 4724, RFC 8538)',
    cap: {
      kind: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: false },
      ],
    },
    wire: '400a' + 'c078' + '00010180' + '00020100',
  },
  {
    name: 'graceful restart, no flags, maximum time, no families',
    cap: { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4095, families: [] },
    wire: '4002' + '0fff',
  },
  {
    name: 'ADD-PATH (RFC 7911)',
    cap: { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }] },
    wire: '4508' + '00010103' + '00020101',
  },
  { name: 'unknown code 73 (FQDN) kept raw', cap: { kind: 'unknown', code: 73, value: Buffer.from('0361626300', 'hex') }, wire: '4905' + '0361626300' },
  { name: 'unknown, empty value', cap: { kind: 'unknown', code: 250, value: Buffer.alloc(0) }, wire: 'fa00' },
];

describe('capabilities', () => {
  it.each(roundTrips)('round trip: $name', ({ cap, wire }) => {
    expect(encodeCapability(cap).toString('hex')).toBe(wire);
    expect(decodeCapabilities(Buffer.from(wire, 'hex'))).toEqual([cap]);
  });

  it('round-trips a list, in order, and keeps duplicates', () => {
    const caps = roundTrips.map((c) => c.cap);
    const wire = encodeCapabilities([...caps, ...caps]);
    expect(decodeCapabilities(wire)).toEqual([...caps, ...caps]);
  });

  it('ignores reserved bits on decode (RFC 4724 §3, RFC 4760 §8)', () => {
    // GR flags octet with reserved bits 0x30 set, family flags with reserved bits; MP reserved octet non-zero.
    const [gr, mp] = decodeCapabilities(Buffer.from('4006' + '3078' + '0001017f' + '0104' + '0001ff01', 'hex'));
    expect(gr).toEqual({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: false }] });
    expect(mp).toEqual({ kind: 'multiprotocol', afi: 1, safi: 1 });
  });

  const malformed: Array<{ name: string; wire: string; subcode: OpenSubcode; data?: string }> = [
    { name: 'multiprotocol of 3 octets', wire: '0103000101', subcode: OpenSubcode.UnsupportedCapability, data: '0103000101' },
    { name: 'route refresh with a value', wire: '020100', subcode: OpenSubcode.UnsupportedCapability, data: '020100' },
    { name: 'extended message with a value', wire: '06020000', subcode: OpenSubcode.UnsupportedCapability, data: '06020000' },
    { name: 'enhanced route refresh with a value', wire: '460101', subcode: OpenSubcode.UnsupportedCapability, data: '460101' },
    { name: 'four-octet AS of 5 octets', wire: '41050000fde900', subcode: OpenSubcode.UnsupportedCapability, data: '41050000fde900' },
    { name: 'graceful restart of 1 octet', wire: '400100', subcode: OpenSubcode.UnsupportedCapability, data: '400100' },
    { name: 'graceful restart of 2 + 3 octets', wire: '4005' + '0078000101', subcode: OpenSubcode.UnsupportedCapability },
    { name: 'ADD-PATH of 5 octets', wire: '4505' + '0001010300', subcode: OpenSubcode.UnsupportedCapability },
    { name: 'triple header cut short', wire: '02', subcode: OpenSubcode.Unspecific },
    { name: 'length past the parameter', wire: '4104fde9', subcode: OpenSubcode.Unspecific },
  ];

  it.each(malformed)('rejects $name', ({ wire, subcode, data }) => {
    const err = caught(() => decodeCapabilities(Buffer.from(wire, 'hex')));
    expect([err.errorCode, err.subcode]).toEqual([ErrorCode.OpenMessage, subcode]);
    if (data !== undefined) expect(err.data.toString('hex')).toBe(data);
  });

  it('refuses to encode a graceful restart time that does not fit 12 bits', () => {
    expect(() => encodeCapability({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] })).toThrow(/12 bits/);
  });

  it('refuses to encode a value longer than 255 octets', () => {
    expect(() => encodeCapability({ kind: 'unknown', code: 200, value: Buffer.alloc(256) })).toThrow(/exceeds 255/);
  });

  it('describes each capability in one line', () => {
    expect(roundTrips.map((c) => describeCapability(c.cap))).toEqual([
      'mp ipv4/unicast',
      'mp ipv6/unicast',
      'route-refresh',
      'route-refresh(128)',
      'enhanced-route-refresh',
      'extended-message',
      'as4 4200000001',
      'gr R N 120s [ipv4/unicast F, ipv6/unicast]',
      'gr 4095s []',
      'add-path [ipv4/unicast send/receive, ipv6/unicast receive]',
      'cap 73 (5 octets)',
      'cap 250 (0 octets)',
    ]);
  });

  it('builds an Unsupported Capability NOTIFICATION listing the capabilities (RFC 5492 §5)', () => {
    const err = unsupportedCapabilityError([{ kind: 'multiprotocol', afi: 2, safi: 1 }], 'ipv6 required');
    expect([err.errorCode, err.subcode, err.data.toString('hex')]).toEqual([ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, '010400020001']);
  });
});

describe('negotiate', () => {
  const v4: Capability = { kind: 'multiprotocol', afi: 1, safi: 1 };
  const v6: Capability = { kind: 'multiprotocol', afi: 2, safi: 1 };
  const as4 = (asn: number): Capability => ({ kind: 'four-octet-as', asn });
  const gr: Capability = { kind: 'graceful-restart', restarting: false, notification: true, restartTime: 90, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] };
  const addPath = (...f: Array<[number, number]>): Capability => ({ kind: 'add-path', families: f.map(([afi, sendReceive]) => ({ afi, safi: 1, sendReceive })) });
  const ours: Capability[] = [v4, v6, { kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }, as4(65001), addPath([1, 3], [2, 3])];

  it('agrees on everything both sent', () => {
    const n = negotiate(ours, [v4, v6, { kind: 'route-refresh-cisco' }, { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }, as4(4200000001), gr], AS_TRANS);
    expect(n).toEqual({
      fourOctetAs: true,
      peerAsn: 4200000001,
      extendedMessage: true,
      routeRefresh: true,
      enhancedRouteRefresh: true,
      families: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }],
      addPath: { send: [], receive: [] },
      gracefulRestart: gr,
    });
  });

  it('a peer without any capability: IPv4 unicast only (RFC 4760 §8), 2-octet AS from My AS', () => {
    const n = negotiate(ours, [], 65002);
    expect(n).toEqual({
      fourOctetAs: false,
      peerAsn: 65002,
      extendedMessage: false,
      routeRefresh: false,
      enhancedRouteRefresh: false,
      families: [{ afi: 1, safi: 1 }],
      addPath: { send: [], receive: [] },
    });
  });

  it('takes My AS from a whole OPEN', () => {
    const remote: OpenMessage = { type: 'open', version: 4, myAs: 65002, holdTime: 90, bgpId: '10.0.0.2', capabilities: [v4] };
    expect(negotiate(ours, remote).peerAsn).toBe(65002);
  });

  it('families are the intersection of the multiprotocol capabilities', () => {
    expect(negotiate(ours, [v6], 1).families).toEqual([{ afi: 2, safi: 1 }]);
    expect(negotiate([v4], [v6], 1).families).toEqual([]);
    // We sent none: IPv4 unicast for us too.
    expect(negotiate([], [v4, v6], 1).families).toEqual([{ afi: 1, safi: 1 }]);
  });

  it('needs both sides for extended message, enhanced route refresh and four-octet AS', () => {
    const n = negotiate([v4], [v4, { kind: 'extended-message' }, { kind: 'enhanced-route-refresh' }, as4(65002), { kind: 'route-refresh' }], 65002);
    expect([n.extendedMessage, n.enhancedRouteRefresh, n.fourOctetAs, n.routeRefresh]).toEqual([false, false, false, false]);
    expect(n.peerAsn).toBe(65002);
  });

  const addPathCases: Array<{ name: string; local: Array<[number, number]>; remote: Array<[number, number]>; send: number[]; receive: number[] }> = [
    { name: 'both ways on both sides', local: [[1, 3]], remote: [[1, 3]], send: [1], receive: [1] },
    { name: 'we send, they receive', local: [[1, 2]], remote: [[1, 1]], send: [1], receive: [] },
    { name: 'we receive, they send', local: [[1, 1]], remote: [[1, 2]], send: [], receive: [1] },
    { name: 'both only receive', local: [[1, 1]], remote: [[1, 1]], send: [], receive: [] },
    { name: 'family not negotiated', local: [[1, 3], [2, 3]], remote: [[2, 3]], send: [], receive: [] },
    { name: 'meaningless mode 7 ignored', local: [[1, 3]], remote: [[1, 7]], send: [], receive: [] },
  ];

  it.each(addPathCases)('ADD-PATH: $name (RFC 7911 §5)', ({ local, remote, send, receive }) => {
    const n = negotiate([v4, addPath(...local)], [v4, addPath(...remote)], 1);
    expect(n.addPath.send.map((f) => f.afi)).toEqual(send);
    expect(n.addPath.receive.map((f) => f.afi)).toEqual(receive);
  });

  it('codecOptionsFor picks the ADD-PATH families of one direction', () => {
    const n = negotiate([v4, v6, addPath([1, 2], [2, 1]), as4(1)], [v4, v6, addPath([1, 1], [2, 2]), as4(2)], AS_TRANS);
    const send = codecOptionsFor(n, 'send', false);
    const receive = codecOptionsFor(n, 'receive', true);
    expect([...send.addPath]).toEqual(['ipv4']);
    expect([...receive.addPath]).toEqual(['ipv6']);
    expect([send.fourOctetAs, send.extendedMessage, send.internal, receive.internal]).toEqual([true, false, false, true]);
  });
});
