import { BgpError } from './bgp-error';
import { ErrorCode, HeaderSubcode, RouteRefreshSubcode } from './constants';
import { decodeKeepalive, encodeKeepalive, KEEPALIVE } from './keepalive';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh';
import type { RouteRefreshMessage } from './types';

function caught(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgpError) return err;
    throw err;
  }
  throw new Error('expected a BgpError, nothing was thrown');
}

const rr = (afi: number, safi: number, subtype: number): RouteRefreshMessage => ({ type: 'route-refresh', afi, safi, subtype });

describe('ROUTE-REFRESH', () => {
  const roundTrips: Array<{ name: string; msg: RouteRefreshMessage; wire: string }> = [
    { name: 'normal ipv4/unicast (RFC 2918)', msg: rr(1, 1, 0), wire: '00010001' },
    { name: 'BoRR ipv6/unicast (RFC 7313)', msg: rr(2, 1, 1), wire: '00020101' },
    { name: 'EoRR ipv4/unicast', msg: rr(1, 1, 2), wire: '00010201' },
  ];

  it.each(roundTrips)('round trip: $name', ({ msg, wire }) => {
    expect(encodeRouteRefresh(msg).toString('hex')).toBe(wire);
    expect(decodeRouteRefresh(Buffer.from(wire, 'hex'))).toEqual({ message: msg });
  });

  it('reports an unknown subtype as to be ignored (RFC 7313 §5), whatever its length', () => {
    const d = decodeRouteRefresh(Buffer.from('00010301', 'hex'));
    expect(d.message).toEqual(rr(1, 1, 3));
    expect(d.ignore).toMatch(/subtype 3/);
    expect(decodeRouteRefresh(Buffer.from('0001ff01aabb', 'hex')).ignore).toMatch(/subtype 255/);
  });

  it.each([
    ['BoRR', '000101010000'],
    ['EoRR', '000102'],
  ])('a %s of the wrong length is ROUTE-REFRESH Message Error / Invalid Message Length with the whole message', (_, body) => {
    const err = caught(() => decodeRouteRefresh(Buffer.from(body, 'hex')));
    expect([err.errorCode, err.subcode]).toEqual([ErrorCode.RouteRefreshMessage, RouteRefreshSubcode.InvalidMessageLength]);
    const len = (19 + body.length / 2).toString(16).padStart(4, '0');
    expect(err.data.toString('hex')).toBe(`${'ff'.repeat(16)}${len}05${body}`);
  });

  it.each([
    ['normal subtype, 5-octet body', '0001000100', '0018'],
    ['normal subtype, 3-octet body', '000100', '0016'],
    ['body too short for a subtype', '0001', '0015'],
  ])('%s is Bad Message Length', (_, body, data) => {
    const err = caught(() => decodeRouteRefresh(Buffer.from(body, 'hex')));
    expect([err.errorCode, err.subcode, err.data.toString('hex')]).toEqual([ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, data]);
  });

  it('refuses to encode out-of-range fields', () => {
    expect(() => encodeRouteRefresh(rr(70000, 1, 0))).toThrow(/AFI/);
    expect(() => encodeRouteRefresh(rr(1, 256, 0))).toThrow(/SAFI/);
  });
});

describe('KEEPALIVE', () => {
  it('round-trips', () => {
    expect(encodeKeepalive().length).toBe(0);
    expect(decodeKeepalive(Buffer.alloc(0))).toEqual({ type: 'keepalive' });
    expect(KEEPALIVE).toEqual({ type: 'keepalive' });
  });

  it('rejects a body (RFC 4271 §6.1: exactly 19 octets)', () => {
    const err = caught(() => decodeKeepalive(Buffer.from('00', 'hex')));
    expect([err.errorCode, err.subcode, err.data.toString('hex')]).toEqual([ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, '0014']);
  });
});
