// COMMUNITIES (type 8, optional transitive; RFC 1997): 32-bit values, shown as "ASN:value" or by their well-known
// name (constants.ts). Owns the codec and the text forms.
import { WellKnownCommunity } from './constants';
import { BgpEncodeError } from './header';
import { lengthError, type AttrSite } from './update-error';

const NAME_OF = new Map<number, string>(Object.entries(WellKnownCommunity).map(([name, v]) => [v, name]));

export function decodeCommunities(value: Buffer, site: AttrSite): number[] {
  // RFC 7606 §7.8: "The error handling of [RFC1997] is revised as follows. The Community attribute SHALL be
  // considered malformed if its length is not a non-zero multiple of 4. An UPDATE message with a malformed Community
  // attribute SHALL be handled using the approach of "treat-as-withdraw"."
  if (value.length === 0 || value.length % 4 !== 0) {
    throw lengthError(site, 'COMMUNITIES', 'treat-as-withdraw', value.length, 'a non-zero multiple of 4');
  }
  const out = new Array<number>(value.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = value.readUInt32BE(i * 4);
  return out;
}

export function encodeCommunities(communities: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(communities.length * 4);
  communities.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) throw new BgpEncodeError('BGP_ENCODE_INVALID', `community ${c}`);
    out.writeUInt32BE(c, i * 4);
  });
  return out;
}

/** "65000:100", or the well-known name ("NO_EXPORT") for the values RFC 1997 / IANA name. */
export function formatCommunity(n: number): string {
  return NAME_OF.get(n) ?? `${Math.floor(n / 65536)}:${n % 65536}`;
}

/**
 * "65000:100", or a well-known name in either spelling ("NO_EXPORT", "no-export", "no_export"); undefined if the text
 * is neither.
 */
export function parseCommunity(text: string): number | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return WellKnownCommunity[text.toUpperCase().replace(/-/g, '_')];
  const hi = text.slice(0, colon);
  const lo = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(hi) || !/^\d{1,5}$/.test(lo)) return undefined;
  const a = Number(hi);
  const b = Number(lo);
  if (a > 0xffff || b > 0xffff) return undefined;
  return a * 65536 + b;
}
