// ORIGINATOR_ID (type 9, optional non-transitive; RFC 4456 §8): the BGP Identifier of the route's originator in the
// local AS, set by route reflectors.
import type { CodecOptions } from './types';
import { UpdateSubcode } from './constants';
import { BgpEncodeError } from './header';
import { formatIpv4, parseIpv4 } from './prefix';
import { attrError, lengthError, type AttrSite } from './update-error';

export function decodeOriginatorId(value: Buffer, site: AttrSite, opts: CodecOptions): string {
  // RFC 7606 §7.9: "if the ORIGINATOR_ID attribute is received from an external neighbor, it SHALL be discarded
  // using the approach of "attribute discard"; or if received from an internal neighbor, it SHALL be considered
  // malformed if its length is not equal to 4. If malformed, the UPDATE message SHALL be handled using the approach
  // of "treat-as-withdraw"."
  if (!opts.internal) {
    throw attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', 'ORIGINATOR_ID from an external peer');
  }
  if (value.length !== 4) throw lengthError(site, 'ORIGINATOR_ID', 'treat-as-withdraw', value.length, '4');
  return formatIpv4(value);
}

export function encodeIpv4Id(name: string, addr: string): Buffer {
  const v = parseIpv4(addr);
  if (v === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `${name} ${addr} is not a dotted quad`);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
}

export function encodeOriginatorId(id: string): Buffer {
  return encodeIpv4Id('ORIGINATOR_ID', id);
}
