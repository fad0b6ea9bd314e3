// AGGREGATOR (type 7, optional transitive; RFC 4271 §5.1.7) and AS4_AGGREGATOR (type 18, optional transitive;
// RFC 6793 §3): the AS and BGP Identifier of the speaker that aggregated the route.
import { AS_TRANS } from './constants';
import { BgpEncodeError } from './header';
import { formatIpv4, parseIpv4 } from './prefix';
import type { Aggregator } from './types';
import { lengthError, type AttrSite } from './update-error';

export function decodeAggregator(value: Buffer, site: AttrSite, fourOctetAs: boolean): Aggregator {
  // RFC 7606 §7.7: "The error handling of [RFC4271] is revised to specify that the attribute is considered malformed
  // if its length is not 6 (when the 4-octet AS number capability is not advertised to, or not received from, the
  // peer [RFC6793]) or 8 (when the 4-octet AS number capability is both advertised to and received from the peer). An
  // UPDATE message with a malformed AGGREGATOR attribute SHALL be handled using the approach of "attribute discard"."
  const want = fourOctetAs ? 8 : 6;
  if (value.length !== want) throw lengthError(site, 'AGGREGATOR', 'attribute-discard', value.length, String(want));
  return fourOctetAs
    ? { asn: value.readUInt32BE(0), address: formatIpv4(value, 4) }
    : { asn: value.readUInt16BE(0), address: formatIpv4(value, 2) };
}

export function decodeAs4Aggregator(value: Buffer, site: AttrSite): Aggregator {
  // RFC 6793 §6: a malformed AS4_AGGREGATOR is discarded ("attribute discard") and the UPDATE processed on.
  if (value.length !== 8) throw lengthError(site, 'AS4_AGGREGATOR', 'attribute-discard', value.length, '8');
  return { asn: value.readUInt32BE(0), address: formatIpv4(value, 4) };
}

/** AGGREGATOR value; towards an OLD speaker an ASN above 65535 is written as AS_TRANS (RFC 6793 §4.2.2). */
export function encodeAggregator(agg: Aggregator, asnSize: 2 | 4): Buffer {
  const addr = parseIpv4(agg.address);
  if (addr === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `AGGREGATOR address ${agg.address}`);
  if (!Number.isInteger(agg.asn) || agg.asn < 0 || agg.asn > 0xffffffff) throw new BgpEncodeError('BGP_ENCODE_INVALID', `AGGREGATOR ASN ${agg.asn}`);
  const out = Buffer.allocUnsafe(asnSize + 4);
  if (asnSize === 4) out.writeUInt32BE(agg.asn, 0);
  else out.writeUInt16BE(agg.asn > 0xffff ? AS_TRANS : agg.asn, 0);
  out.writeUInt32BE(addr, asnSize);
  return out;
}

/**
 * RFC 6793 §4.2.3: when both are received and AGGREGATOR's AS "is not AS_TRANS, then: the AS4_AGGREGATOR attribute
 * and the AS4_PATH attribute SHALL be ignored ... Otherwise, the AGGREGATOR attribute SHALL be ignored, and the
 * AS4_AGGREGATOR attribute SHALL be taken as the information about the aggregating node".
 */
export function reconcileAggregator(
  aggregator: Aggregator | undefined,
  as4Aggregator: Aggregator | undefined,
): { aggregator: Aggregator | undefined; ignoreAs4Path: boolean } {
  if (aggregator === undefined || as4Aggregator === undefined) return { aggregator, ignoreAs4Path: false };
  if (aggregator.asn !== AS_TRANS) return { aggregator, ignoreAs4Path: true };
  return { aggregator: as4Aggregator, ignoreAs4Path: false };
}
