// NOTIFICATION (RFC 4271 §4.5): decoding and encoding, and the RFC 9003 Shutdown Communication that Cease /
// Administrative Shutdown and Administrative Reset may carry. A malformed communication is never an error (the
// session is closing anyway): the data stays raw and shutdownMessage stays undefined.
import { TextDecoder } from 'node:util';
import { BgpError } from './bgp-error';
import { CeaseSubcode, ErrorCode, notificationName } from './constants';
import { badMessageLength, BgpEncodeError } from './header';
import type { NotificationMessage } from './types';

/** RFC 9003 §2: the communication is at most 255 octets of UTF-8 (RFC 8203 allowed only 128). */
export const MAX_SHUTDOWN_MESSAGE_OCTETS = 255;

// fatal: invalid UTF-8 is reported, not replaced; ignoreBOM: a leading U+FEFF is kept as text so a decoded message
// re-encodes to the same octets.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Cease subcodes whose data is a Shutdown Communication (RFC 9003 §2). */
export function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return code === ErrorCode.Cease && (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset);
}

/** The communication in `data`, or undefined when there is none or it is malformed (bad length, invalid UTF-8). */
export function decodeShutdownCommunication(data: Buffer): string | undefined {
  if (data.length === 0) return undefined;
  const len = data.readUInt8(0);
  if (len !== data.length - 1) return undefined;
  try {
    return utf8.decode(data.subarray(1));
  } catch {
    return undefined;
  }
}

/** Length octet + UTF-8. Throws BgpEncodeError when the text exceeds 255 octets (never truncated silently). */
export function encodeShutdownCommunication(message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  if (text.length > MAX_SHUTDOWN_MESSAGE_OCTETS) {
    throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `shutdown communication of ${text.length} octets exceeds ${MAX_SHUTDOWN_MESSAGE_OCTETS}`);
  }
  return Buffer.concat([Buffer.from([text.length]), text]);
}

/** A Cease NOTIFICATION with an RFC 9003 communication, e.g. for `gingham node shutdown --message`. */
export function shutdownNotification(
  subcode: CeaseSubcode.AdministrativeShutdown | CeaseSubcode.AdministrativeReset,
  message: string,
): NotificationMessage {
  return { type: 'notification', code: ErrorCode.Cease, subcode, data: encodeShutdownCommunication(message), shutdownMessage: message };
}

/** The NOTIFICATION that reports a BgpError to the peer. */
export function notificationFromError(err: BgpError): NotificationMessage {
  return { type: 'notification', code: err.errorCode, subcode: err.subcode, data: err.data };
}

/** Decodes a NOTIFICATION body (without header). Throws BgpError only. */
export function decodeNotification(body: Buffer): NotificationMessage {
  if (body.length < 2) throw badMessageLength(19 + body.length, `NOTIFICATION body of ${body.length} octets`);
  const code = body.readUInt8(0);
  const subcode = body.readUInt8(1);
  // A copy: the data outlives the frame in logs and status.
  const data = Buffer.from(body.subarray(2));
  const shutdownMessage = carriesShutdownCommunication(code, subcode) ? decodeShutdownCommunication(data) : undefined;
  return shutdownMessage === undefined ? { type: 'notification', code, subcode, data } : { type: 'notification', code, subcode, data, shutdownMessage };
}

/**
 * Encodes a NOTIFICATION body. `data` is what goes on the wire; when it is empty and shutdownMessage is set on a
 * Cease 2/4, the communication is encoded from shutdownMessage. Data that would push the message past `maxBody`
 * is truncated: a NOTIFICATION must still go out when it reports an oversized message.
 */
export function encodeNotification(msg: NotificationMessage, maxBody: number): Buffer {
  for (const [name, v] of [['code', msg.code], ['subcode', msg.subcode]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new BgpEncodeError('BGP_ENCODE_INVALID', `NOTIFICATION ${name} ${v}`);
  }
  let data = msg.data;
  if (data.length === 0 && msg.shutdownMessage !== undefined && carriesShutdownCommunication(msg.code, msg.subcode)) {
    data = encodeShutdownCommunication(msg.shutdownMessage);
  }
  if (2 + data.length > maxBody) data = data.subarray(0, Math.max(0, maxBody - 2));
  return Buffer.concat([Buffer.from([msg.code, msg.subcode]), data]);
}

/**
 * The one text form of a NOTIFICATION, used by logs, FSM reasons and the peer status (`bgp status`, `node status`):
 * "Hold Timer Expired", "Send Hold Timer Expired", "Cease / Administrative Shutdown: maintenance" (with the RFC 9003
 * communication when there is one).
 */
export function describeNotification(msg: Pick<NotificationMessage, 'code' | 'subcode' | 'shutdownMessage'>): string {
  const name = notificationName(msg.code, msg.subcode);
  return msg.shutdownMessage !== undefined && msg.shutdownMessage !== '' ? `${name}: ${msg.shutdownMessage}` : name;
}
