// KEEPALIVE (RFC 4271 §4.4): a header and nothing else.
import { badMessageLength } from './header';
import type { KeepaliveMessage } from './types';

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

/** Throws BgpError (Bad Message Length) when the body is not empty (RFC 4271 §6.1: KEEPALIVE is exactly 19 octets). */
export function decodeKeepalive(body: Buffer): KeepaliveMessage {
  if (body.length !== 0) throw badMessageLength(19 + body.length, `KEEPALIVE with ${body.length} octets of body`);
  return KEEPALIVE;
}

export function encodeKeepalive(): Buffer {
  return Buffer.alloc(0);
}
