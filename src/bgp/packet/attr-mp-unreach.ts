// MP_UNREACH_NLRI (type 15, optional non-transitive; RFC 4760 §4): withdrawn routes of another address family. With
// no prefixes it is the End-of-RIB marker of that family (RFC 4724 §2).
import { BgpEncodeError } from './header';
import { afiOf, decodeMpPrefixes, familyOf, mpReset } from './attr-mp-reach';
import { encodePrefixes } from './prefix';
import type { CodecOptions, Family, MpUnreach } from './types';
import type { AttrSite } from './update-error';

/** Returns undefined for an AFI/SAFI we do not carry: the attribute is discarded by the caller. */
export function decodeMpUnreach(value: Buffer, site: AttrSite, opts: CodecOptions): MpUnreach | undefined {
  // RFC 7606 §5.3: MP_UNREACH_NLRI is malformed if "the length of the attribute is less than 3".
  if (value.length < 3) throw mpReset(site, `MP_UNREACH_NLRI of ${value.length} octets`);
  const afi = value.readUInt16BE(0);
  const safi = value[2] ?? 0;
  const family = familyOf(afi, safi);
  if (family === undefined) return undefined;
  return { afi, safi, withdrawn: decodeMpPrefixes(value.subarray(3), family, opts, site) };
}

export function encodeMpUnreachHead(family: Family): Buffer {
  const head = Buffer.allocUnsafe(3);
  head.writeUInt16BE(afiOf(family), 0);
  head[2] = 1;
  return head;
}

export function encodeMpUnreach(mp: MpUnreach, opts: CodecOptions): Buffer {
  const family = familyOf(mp.afi, mp.safi);
  if (family === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `MP_UNREACH_NLRI for AFI ${mp.afi} SAFI ${mp.safi}`);
  for (const p of mp.withdrawn) {
    if (p.family !== family) throw new BgpEncodeError('BGP_ENCODE_INVALID', `${p.family} prefix in MP_UNREACH_NLRI AFI ${mp.afi}`);
  }
  return Buffer.concat([encodeMpUnreachHead(family), encodePrefixes(mp.withdrawn, opts.addPath.has(family))]);
}
