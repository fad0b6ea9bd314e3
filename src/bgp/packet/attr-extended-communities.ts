// EXTENDED COMMUNITIES (type 16, optional transitive; RFC 4360): 8-octet values kept as opaque bytes, with a text
// form for the common route-target / route-origin types. Unknown types are not errors (RFC 7606 §7.14: "an
// unrecognized type or sub-type MUST NOT be considered as an error").
import { BgpEncodeError } from './header';
import { formatIpv4 } from './prefix';
import { lengthError, type AttrSite } from './update-error';

export function decodeExtendedCommunities(value: Buffer, site: AttrSite): Buffer[] {
  // RFC 7606 §7.14: "The error handling of [RFC4360] is revised as follows. The Extended Communities attribute SHALL
  // be considered malformed if its length is not a non-zero multiple of 8. An UPDATE message with a malformed
  // Extended Communities attribute SHALL be handled using the approach of "treat-as-withdraw"."
  if (value.length === 0 || value.length % 8 !== 0) {
    throw lengthError(site, 'EXTENDED_COMMUNITIES', 'treat-as-withdraw', value.length, 'a non-zero multiple of 8');
  }
  const out: Buffer[] = [];
  // Copies: the decoded route must not pin the whole received message in memory.
  for (let i = 0; i < value.length; i += 8) out.push(Buffer.from(value.subarray(i, i + 8)));
  return out;
}

export function encodeExtendedCommunities(values: readonly Buffer[]): Buffer {
  for (const v of values) {
    if (v.length !== 8) throw new BgpEncodeError('BGP_ENCODE_INVALID', `extended community of ${v.length} octets`);
  }
  return Buffer.concat(values as Buffer[]);
}

/** "rt:65000:100", "ro:192.0.2.1:7", "rt:4200000000:1" for RFC 4360 §3 / RFC 5668 route target and origin; else hex. */
export function formatExtendedCommunity(v: Buffer): string {
  if (v.length !== 8) return v.toString('hex');
  const type = (v[0] ?? 0) & 0x3f; // the high two bits are IANA authority and transitivity (RFC 4360 §2)
  const sub = v[1] ?? 0;
  const kind = sub === 0x02 ? 'rt' : sub === 0x03 ? 'ro' : undefined;
  if (kind !== undefined) {
    if (type === 0x00) return `${kind}:${v.readUInt16BE(2)}:${v.readUInt32BE(4)}`;
    if (type === 0x01) return `${kind}:${formatIpv4(v, 2)}:${v.readUInt16BE(6)}`;
    if (type === 0x02) return `${kind}:${v.readUInt32BE(2)}:${v.readUInt16BE(6)}`;
  }
  return `0x${v.toString('hex')}`;
}
