// MULTI_EXIT_DISC (type 4, optional non-transitive; RFC 4271 §5.1.4): a 32-bit metric.
import { BgpEncodeError } from './header';
import { lengthError, type AttrSite } from './update-error';

export function decodeMed(value: Buffer, site: AttrSite): number {
  // RFC 7606 §7.4: "The attribute is considered malformed if its length is not 4. An UPDATE message with a
  // malformed MULTI_EXIT_DISC attribute SHALL be handled using the approach of "treat-as-withdraw"."
  if (value.length !== 4) throw lengthError(site, 'MULTI_EXIT_DISC', 'treat-as-withdraw', value.length, '4');
  return value.readUInt32BE(0);
}

export function encodeU32(name: string, v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BgpEncodeError('BGP_ENCODE_INVALID', `${name} ${v} is not a u32`);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
}

export function encodeMed(med: number): Buffer {
  return encodeU32('MULTI_EXIT_DISC', med);
}
