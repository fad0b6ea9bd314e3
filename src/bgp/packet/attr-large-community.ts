// LARGE_COMMUNITY (type 32, optional transitive; RFC 8092): 12-octet values of three 32-bit fields.
import { BgpEncodeError } from './header';
import { lengthError, type AttrSite } from './update-error';

export type LargeCommunity = readonly [number, number, number];

export function decodeLargeCommunities(value: Buffer, site: AttrSite): LargeCommunity[] {
  // RFC 8092 §6: "A BGP UPDATE message with a malformed Large Communities attribute SHALL be handled using the
  // approach of "treat-as-withdraw" as described in Section 2 of [RFC7606]. The error handling of Large Communities
  // is as follows: A Large Communities attribute SHALL be considered malformed if the length of the Large
  // Communities Attribute value, expressed in octets, is not a non-zero multiple of 12."
  if (value.length === 0 || value.length % 12 !== 0) {
    throw lengthError(site, 'LARGE_COMMUNITY', 'treat-as-withdraw', value.length, 'a non-zero multiple of 12');
  }
  const out: LargeCommunity[] = [];
  for (let i = 0; i < value.length; i += 12) {
    out.push([value.readUInt32BE(i), value.readUInt32BE(i + 4), value.readUInt32BE(i + 8)]);
  }
  return out;
}

export function encodeLargeCommunities(values: readonly LargeCommunity[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 12);
  values.forEach((lc, i) => {
    lc.forEach((n, k) => {
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new BgpEncodeError('BGP_ENCODE_INVALID', `large community field ${n}`);
      out.writeUInt32BE(n, i * 12 + k * 4);
    });
  });
  return out;
}

/** "65000:1:2" (RFC 8092 §1.2 text form). */
export function formatLargeCommunity(lc: LargeCommunity): string {
  return `${lc[0]}:${lc[1]}:${lc[2]}`;
}
