// ATOMIC_AGGREGATE (type 6, well-known discretionary; RFC 4271 §5.1.6): a flag with an empty value.
import { lengthError, type AttrSite } from './update-error';

export function decodeAtomicAggregate(value: Buffer, site: AttrSite): true {
  // RFC 7606 §7.6: "The attribute SHALL be considered malformed if its length is not 0 ... An UPDATE message with a
  // malformed ATOMIC_AGGREGATE attribute SHALL be handled using the approach of "attribute discard"."
  if (value.length !== 0) throw lengthError(site, 'ATOMIC_AGGREGATE', 'attribute-discard', value.length, '0');
  return true;
}

export function encodeAtomicAggregate(): Buffer {
  return Buffer.alloc(0);
}
