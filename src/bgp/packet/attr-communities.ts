// COMMUNITIES (type 8, optional transitive; RFC 1997): 32-bit values, shown as "ASN:value" or by their well-known
// name (constants.ts). Owns the codec and the text forms.
import { parseStandardCommunity } from '../../lib/community';
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
 * is neither. The text parser is lib/community.ts, shared with api/ and the speaker's configuration.
 */
export function parseCommunity(text: string): number | undefined {
  return parseStandardCommunity(text, { names: true });
}
