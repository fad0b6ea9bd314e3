// ORIGIN (type 1, well-known mandatory; RFC 4271 §4.3 (a), §5.1.1): one octet, IGP / EGP / INCOMPLETE.
import { Origin, UpdateSubcode } from './constants';
import { attrError, lengthError, type AttrSite } from './update-error';

export function decodeOrigin(value: Buffer, site: AttrSite): Origin {
  // RFC 7606 §7.1: "The attribute is considered malformed if its length is not 1 or it has an undefined value. An
  // UPDATE message with a malformed ORIGIN attribute SHALL be handled using the approach of "treat-as-withdraw"."
  if (value.length !== 1) throw lengthError(site, 'ORIGIN', 'treat-as-withdraw', value.length, '1');
  const v = value[0] ?? 0;
  if (v > Origin.Incomplete) {
    throw attrError(site, UpdateSubcode.InvalidOriginAttribute, 'treat-as-withdraw', `ORIGIN value ${v} undefined`);
  }
  return v as Origin;
}

export function encodeOrigin(origin: Origin): Buffer {
  return Buffer.from([origin]);
}

export function formatOrigin(origin: Origin): string {
  return origin === Origin.Igp ? 'IGP' : origin === Origin.Egp ? 'EGP' : 'incomplete';
}
