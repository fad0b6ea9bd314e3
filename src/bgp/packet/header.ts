// The 19-octet BGP message header (RFC 4271 §4.1): reading it with every check RFC 4271 §6.1 asks of a header, and
// writing it. Owns the per-type length limits (RFC 4271 §4.2-§4.5, RFC 8654 §4). Also owns BgpEncodeError, the one
// error encoders throw when asked to put something on the wire that cannot be represented. Pure: no I/O.
import { GinghamError } from '../../lib/errors';
import { BgpError } from './bgp-error';
import {
  ErrorCode,
  HEADER_LENGTH,
  HeaderSubcode,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './constants';

export const MARKER_LENGTH = 16;

export interface MessageHeader {
  /** The whole message length, header included. */
  readonly length: number;
  readonly type: MessageType;
}

/** Thrown by encoders (never by decoders): the message cannot be put on the wire as asked. */
export class BgpEncodeError extends GinghamError {
  constructor(code: 'BGP_ENCODE_TOO_LONG' | 'BGP_ENCODE_INVALID', detail: string) {
    super(code, detail);
  }
}

/**
 * Minimum whole-message length per type, RFC 4271 §4.2 (OPEN 29), §4.3 (UPDATE 23), §4.5 (NOTIFICATION 21), §4.4
 * (KEEPALIVE exactly 19). ROUTE-REFRESH is deliberately absent: whether a wrong ROUTE-REFRESH length is a header
 * error or a ROUTE-REFRESH Message Error depends on the subtype octet in the body (RFC 7313 §5), so
 * `decodeRouteRefresh` judges it with the whole message in hand.
 */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.Open]: 29,
  [MessageType.Update]: 23,
  [MessageType.Notification]: 21,
  [MessageType.Keepalive]: 19,
};

function isKnownType(type: number): type is MessageType {
  return type >= MessageType.Open && type <= MessageType.RouteRefresh;
}

/** The largest whole message of this type we accept or send. RFC 8654 §4: OPEN and KEEPALIVE never grow. */
export function maxMessageLength(type: MessageType, extendedMessage: boolean): number {
  if (!extendedMessage || type === MessageType.Open || type === MessageType.Keepalive) return MAX_MESSAGE_LENGTH;
  return MAX_EXTENDED_MESSAGE_LENGTH;
}

export function badMessageLength(length: number, detail: string): BgpError {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(length & 0xffff, 0);
  return new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, detail, data);
}

/**
 * Reads and checks the first 19 octets of `buf` (which may hold more). Throws BgpError with the RFC 4271 §6.1
 * subcode and data: Connection Not Synchronized (no data), Bad Message Length (data = the 2-octet Length field),
 * Bad Message Type (data = the type octet).
 */
export function readHeader(buf: Buffer, extendedMessage: boolean): MessageHeader {
  if (buf.length < HEADER_LENGTH) {
    throw badMessageLength(buf.length, `header needs ${HEADER_LENGTH} octets, have ${buf.length}`);
  }
  // RFC 4271 §6.1: the Marker field MUST be all ones, else Connection Not Synchronized.
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[i] !== 0xff) {
      throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, `marker octet ${i} is not 0xff`);
    }
  }
  const length = buf.readUInt16BE(16);
  const type = buf.readUInt8(18);
  const absoluteMax = extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  if (length < HEADER_LENGTH || length > absoluteMax) {
    throw badMessageLength(length, `length ${length} outside ${HEADER_LENGTH}..${absoluteMax}`);
  }
  if (!isKnownType(type)) {
    throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `unknown message type ${type}`, Buffer.from([type]));
  }
  const max = maxMessageLength(type, extendedMessage);
  if (length > max) throw badMessageLength(length, `${MessageType[type]} length ${length} exceeds ${max}`);
  const min = MIN_LENGTH[type];
  if (min !== undefined) {
    if (type === MessageType.Keepalive ? length !== min : length < min) {
      throw badMessageLength(length, `${MessageType[type]} length ${length}, ${type === MessageType.Keepalive ? 'must be' : 'minimum'} ${min}`);
    }
  }
  return { length, type };
}

/** Header (all-ones marker, length, type) followed by the body, as one Buffer. */
export function frameMessage(type: MessageType, body: Buffer, extendedMessage: boolean): Buffer {
  const length = HEADER_LENGTH + body.length;
  const max = maxMessageLength(type, extendedMessage);
  if (length > max) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `${MessageType[type]} of ${length} octets exceeds ${max}`);
  const out = Buffer.allocUnsafe(length);
  out.fill(0xff, 0, MARKER_LENGTH);
  out.writeUInt16BE(length, 16);
  out.writeUInt8(type, 18);
  body.copy(out, HEADER_LENGTH);
  return out;
}
