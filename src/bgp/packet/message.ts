// The message dispatcher: a whole frame (header included) to a BgpMessage and back, by type, with the session's
// CodecOptions. Also the one-line description of a message for logs. Decoding throws nothing but BgpError.
import { afiSafiName } from './cap-multiprotocol';
import { describeCapability } from './capabilities';
import { MessageType, RouteRefreshSubtype } from './constants';
import { badMessageLength, frameMessage, maxMessageLength, readHeader } from './header';
import { decodeKeepalive, encodeKeepalive } from './keepalive';
import { decodeNotification, describeNotification, encodeNotification } from './notification';
import { decodeOpen, encodeOpen, openAsn } from './open';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh';
import type { BgpMessage, CodecOptions, DecodedUpdate, UpdateMessage } from './types';
import { decodeUpdateBody } from './update';
import { encodeUpdateBody } from './update-encode';

export interface DecodedMessage {
  readonly message: BgpMessage;
  /** For an UPDATE: the RFC 7606 outcome (errors that do not reset the session, and what to do about them). */
  readonly update?: DecodedUpdate;
  /** Set when the session must ignore the message and says why (RFC 7313 §5: ROUTE-REFRESH of unknown subtype). */
  readonly ignore?: string;
}

/** Decodes one whole message as returned by Framer.push. Throws BgpError only. */
export function decodeMessage(frame: Buffer, opts: CodecOptions): DecodedMessage {
  const header = readHeader(frame, opts.extendedMessage);
  if (frame.length !== header.length) {
    throw badMessageLength(header.length, `length field says ${header.length} octets, frame has ${frame.length}`);
  }
  const body = frame.subarray(19);
  switch (header.type) {
    case MessageType.Open:
      return { message: decodeOpen(body) };
    case MessageType.Update: {
      const update = decodeUpdateBody(body, opts);
      return { message: update.message, update };
    }
    case MessageType.Notification:
      return { message: decodeNotification(body) };
    case MessageType.Keepalive:
      return { message: decodeKeepalive(body) };
    case MessageType.RouteRefresh:
      return decodeRouteRefresh(body);
  }
}

/**
 * Encodes a whole message (header included). Throws BgpEncodeError when it cannot be represented or exceeds the
 * size allowed under `opts` (a NOTIFICATION's data is truncated instead, see encodeNotification).
 */
export function encodeMessage(msg: BgpMessage, opts: CodecOptions): Buffer {
  const ext = opts.extendedMessage;
  switch (msg.type) {
    case 'open':
      return frameMessage(MessageType.Open, encodeOpen(msg), ext);
    case 'update':
      return frameMessage(MessageType.Update, encodeUpdateBody(msg, opts), ext);
    case 'notification':
      return frameMessage(MessageType.Notification, encodeNotification(msg, maxMessageLength(MessageType.Notification, ext) - 19), ext);
    case 'keepalive':
      return frameMessage(MessageType.Keepalive, encodeKeepalive(), ext);
    case 'route-refresh':
      return frameMessage(MessageType.RouteRefresh, encodeRouteRefresh(msg), ext);
  }
}

function describeUpdate(msg: UpdateMessage): string {
  const a = msg.attributes;
  const nlri = msg.nlri.length + (a.mpReach?.nlri.length ?? 0);
  const withdrawn = msg.withdrawn.length + (a.mpUnreach?.withdrawn.length ?? 0);
  const attrCount = Object.values(a).filter((v) => v !== undefined).length;
  // RFC 4724 §2: End-of-RIB is an empty UPDATE (IPv4 unicast) or one holding only an empty MP_UNREACH_NLRI.
  if (nlri === 0 && withdrawn === 0) {
    if (attrCount === 0) return 'UPDATE End-of-RIB ipv4/unicast';
    if (attrCount === 1 && a.mpUnreach) return `UPDATE End-of-RIB ${afiSafiName(a.mpUnreach.afi, a.mpUnreach.safi)}`;
  }
  const parts = [`${nlri} nlri`, `${withdrawn} withdrawn`];
  if (a.nextHop ?? a.mpReach?.nextHop) parts.push(`next hop ${a.nextHop ?? a.mpReach?.nextHop}`);
  if (a.asPath) parts.push(`as-path [${a.asPath.map((s) => (s.type === 'sequence' ? s.asns.join(' ') : `${s.type}{${s.asns.join(' ')}}`)).join(' ')}]`);
  return `UPDATE ${parts.join(', ')}`;
}

const RR_SUBTYPES: Readonly<Record<number, string>> = {
  [RouteRefreshSubtype.Normal]: '',
  [RouteRefreshSubtype.BeginningOfRouteRefresh]: ' BoRR',
  [RouteRefreshSubtype.EndOfRouteRefresh]: ' EoRR',
};

/** One line for logs: "OPEN AS 65001 hold 90s id 10.0.0.1 [mp ipv4/unicast, as4 65001]", "KEEPALIVE", ... */
export function describeMessage(msg: BgpMessage): string {
  switch (msg.type) {
    case 'open':
      return `OPEN AS ${openAsn(msg)} hold ${msg.holdTime}s id ${msg.bgpId} [${msg.capabilities.map(describeCapability).join(', ')}]`;
    case 'update':
      return describeUpdate(msg);
    case 'notification':
      return `NOTIFICATION ${describeNotification(msg)}`;
    case 'keepalive':
      return 'KEEPALIVE';
    case 'route-refresh':
      return `ROUTE-REFRESH ${afiSafiName(msg.afi, msg.safi)}${RR_SUBTYPES[msg.subtype] ?? ` subtype ${msg.subtype}`}`;
  }
}
