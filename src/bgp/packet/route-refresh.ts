// ROUTE-REFRESH (RFC 2918 §3, subtypes from RFC 7313 §3): <AFI, subtype, SAFI>. Owns the length rules, which depend
// on the subtype and so are judged here with the whole message rather than in the framer.
import { BgpError } from './bgp-error';
import { ErrorCode, MessageType, RouteRefreshSubcode, RouteRefreshSubtype } from './constants';
import { badMessageLength, BgpEncodeError, frameMessage } from './header';
import type { RouteRefreshMessage } from './types';

const BODY_LENGTH = 4;

export function isKnownRouteRefreshSubtype(subtype: number): boolean {
  return subtype === RouteRefreshSubtype.Normal || subtype === RouteRefreshSubtype.BeginningOfRouteRefresh || subtype === RouteRefreshSubtype.EndOfRouteRefresh;
}

export interface DecodedRouteRefresh {
  readonly message: RouteRefreshMessage;
  /** Set when the session must ignore the message (RFC 7313 §5: unknown subtype); says why. */
  readonly ignore?: string;
}

/**
 * Decodes a ROUTE-REFRESH body. Throws BgpError only:
 * - a BoRR or EoRR whose body is not 4 octets: ROUTE-REFRESH Message Error / Invalid Message Length with the
 *   complete message as data (RFC 7313 §5 MUST);
 * - any other known subtype with a body that is not 4 octets, or a body too short to hold the subtype:
 *   Message Header Error / Bad Message Length (RFC 4271 §6.1).
 * An unknown subtype is not an error: RFC 7313 §5 says to ignore the message, which `ignore` reports.
 */
export function decodeRouteRefresh(body: Buffer): DecodedRouteRefresh {
  if (body.length < 3) throw badMessageLength(19 + body.length, `ROUTE-REFRESH body of ${body.length} octets`);
  const afi = body.readUInt16BE(0);
  const subtype = body.readUInt8(2);
  const safi = body.length > 3 ? body.readUInt8(3) : 0;
  const message: RouteRefreshMessage = { type: 'route-refresh', afi, safi, subtype };
  if (!isKnownRouteRefreshSubtype(subtype)) return { message, ignore: `unknown ROUTE-REFRESH subtype ${subtype} (RFC 7313 §5)` };
  if (body.length !== BODY_LENGTH) {
    if (subtype === RouteRefreshSubtype.Normal) throw badMessageLength(19 + body.length, `ROUTE-REFRESH body of ${body.length} octets`);
    const whole = body.length + 19 <= 0xffff ? frameMessage(MessageType.RouteRefresh, body, true) : Buffer.alloc(0);
    throw new BgpError(ErrorCode.RouteRefreshMessage, RouteRefreshSubcode.InvalidMessageLength, `ROUTE-REFRESH subtype ${subtype} with a body of ${body.length} octets`, whole);
  }
  return { message };
}

export function encodeRouteRefresh(msg: RouteRefreshMessage): Buffer {
  for (const [name, v, max] of [['AFI', msg.afi, 0xffff], ['SAFI', msg.safi, 0xff], ['subtype', msg.subtype, 0xff]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new BgpEncodeError('BGP_ENCODE_INVALID', `ROUTE-REFRESH ${name} ${v}`);
  }
  const out = Buffer.alloc(BODY_LENGTH);
  out.writeUInt16BE(msg.afi, 0);
  out.writeUInt8(msg.subtype, 2);
  out.writeUInt8(msg.safi, 3);
  return out;
}
