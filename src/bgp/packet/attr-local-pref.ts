// LOCAL_PREF (type 5, well-known, iBGP only; RFC 4271 §5.1.5): a 32-bit preference.
import type { CodecOptions } from './types';
import { UpdateSubcode } from './constants';
import { encodeU32 } from './attr-med';
import { attrError, lengthError, type AttrSite } from './update-error';

export function decodeLocalPref(value: Buffer, site: AttrSite, opts: CodecOptions): number {
  // RFC 7606 §7.5: "if the LOCAL_PREF attribute is received from an external neighbor, it SHALL be discarded using
  // the approach of "attribute discard"; or if received from an internal neighbor, it SHALL be considered malformed
  // if its length is not equal to 4. If malformed, the UPDATE message SHALL be handled using the approach of
  // "treat-as-withdraw"."
  if (!opts.internal) {
    throw attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', 'LOCAL_PREF from an external peer');
  }
  if (value.length !== 4) throw lengthError(site, 'LOCAL_PREF', 'treat-as-withdraw', value.length, '4');
  return value.readUInt32BE(0);
}

export function encodeLocalPref(v: number): Buffer {
  return encodeU32('LOCAL_PREF', v);
}
