// MP_REACH_NLRI (type 14, optional non-transitive; RFC 4760 §3): reachable NLRI of another address family with their
// next hop. Gingham speaks IPv4 and IPv6 unicast; an IPv6 next hop is 16 octets, or 32 when a link-local address
// follows the global one (RFC 2545 §3). Owns the AFI/SAFI <-> family mapping used by MP_UNREACH_NLRI too.
import { Afi, Safi, UpdateSubcode } from './constants';
import { BgpEncodeError } from './header';
import { decodePrefixes, encodePrefixes, formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './prefix';
import type { CodecOptions, Family, MpReach } from './types';
import { BgpError } from './bgp-error';
import { attrError, type AttrSite } from './update-error';

/** The family of an AFI/SAFI pair this codec can carry, or undefined. */
export function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== Safi.Unicast) return undefined;
  return afi === Afi.Ipv4 ? 'ipv4' : afi === Afi.Ipv6 ? 'ipv6' : undefined;
}

export function afiOf(family: Family): Afi {
  return family === 'ipv4' ? Afi.Ipv4 : Afi.Ipv6;
}

/**
 * Errors in an MP attribute whose AFI/SAFI we can read. RFC 7606 §5.3 / §7.11: such errors are handled by "AFI/SAFI
 * disable" or "session reset" (RFC 4760 §7: the speaker "MUST delete all the BGP routes received from that neighbor
 * whose AFI/SAFI is the same ... [and] SHOULD ignore all the subsequent routes with that AFI/SAFI"). We report
 * AFI/SAFI disable and leave the choice of falling back to a reset to the session.
 */
export function mpDisable(site: AttrSite, detail: string, subcode = UpdateSubcode.OptionalAttributeError): BgpError {
  return attrError(site, subcode, 'afisafi-disable', detail);
}

/** Errors in an MP attribute too short to name its AFI/SAFI: nothing narrower than the session can be blamed. */
export function mpReset(site: AttrSite, detail: string): BgpError {
  return attrError(site, UpdateSubcode.OptionalAttributeError, 'session-reset', detail);
}

/** Decodes the prefixes of an MP attribute; a syntax error disables the family (RFC 7606 §5.3) instead of resetting. */
export function decodeMpPrefixes(buf: Buffer, family: Family, opts: CodecOptions, site: AttrSite): ReturnType<typeof decodePrefixes> {
  try {
    return decodePrefixes(buf, family, opts.addPath.has(family));
  } catch (e) {
    if (e instanceof BgpError) throw new BgpError(e.errorCode, e.subcode, e.detail, site.raw, 'afisafi-disable');
    throw e;
  }
}

/** Returns undefined for an AFI/SAFI we do not carry: the attribute is discarded by the caller. */
export function decodeMpReach(value: Buffer, site: AttrSite, opts: CodecOptions): MpReach | undefined {
  // RFC 7606 §5.3: MP_REACH_NLRI is malformed if "the length of the attribute is less than 5"; "the AFI/SAFI ... is
  // disabled" needs the AFI/SAFI, so below 3 octets only a reset is possible.
  if (value.length < 3) throw mpReset(site, `MP_REACH_NLRI of ${value.length} octets`);
  const afi = value.readUInt16BE(0);
  const safi = value[2] ?? 0;
  const family = familyOf(afi, safi);
  if (family === undefined) return undefined;
  if (value.length < 5) throw mpDisable(site, `MP_REACH_NLRI of ${value.length} octets`);
  const nhLen = value[3] ?? 0;
  // RFC 7606 §7.11: "the Length of Next Hop Network Address field ... [being] inconsistent with the AFI/SAFI" or
  // running past the attribute makes it malformed.
  if (5 + nhLen > value.length) throw mpDisable(site, `MP_REACH_NLRI next hop of ${nhLen} octets overruns the attribute`);
  const ok = family === 'ipv4' ? nhLen === 4 : nhLen === 16 || nhLen === 32;
  if (!ok) throw mpDisable(site, `MP_REACH_NLRI ${family} next hop length ${nhLen}`, UpdateSubcode.InvalidNextHopAttribute);
  const nh = value.subarray(4, 4 + nhLen);
  // The octet after the next hop is Reserved: RFC 4760 §3 "MUST be ignored upon receipt".
  const nlri = decodeMpPrefixes(value.subarray(5 + nhLen), family, opts, site);
  if (family === 'ipv4') return { afi, safi, nextHop: formatIpv4(nh), nlri };
  const nextHop = formatIpv6(nh);
  return nhLen === 32 ? { afi, safi, nextHop, linkLocalNextHop: formatIpv6(nh, 16), nlri } : { afi, safi, nextHop, nlri };
}

/** AFI, SAFI, next hop and the Reserved octet: everything before the NLRI. */
export function encodeMpReachHead(mp: Pick<MpReach, 'afi' | 'safi' | 'nextHop' | 'linkLocalNextHop'>): Buffer {
  const family = familyOf(mp.afi, mp.safi);
  if (family === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `MP_REACH_NLRI for AFI ${mp.afi} SAFI ${mp.safi}`);
  let nh: Buffer;
  if (family === 'ipv4') {
    const v = parseIpv4(mp.nextHop);
    if (v === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `MP_REACH_NLRI IPv4 next hop ${mp.nextHop}`);
    nh = Buffer.allocUnsafe(4);
    nh.writeUInt32BE(v, 0);
  } else {
    nh = Buffer.alloc(mp.linkLocalNextHop === undefined ? 16 : 32);
    if (!parseIpv6(mp.nextHop, nh, 0)) throw new BgpEncodeError('BGP_ENCODE_INVALID', `MP_REACH_NLRI next hop ${mp.nextHop}`);
    if (mp.linkLocalNextHop !== undefined && !parseIpv6(mp.linkLocalNextHop, nh, 16)) {
      throw new BgpEncodeError('BGP_ENCODE_INVALID', `MP_REACH_NLRI link-local next hop ${mp.linkLocalNextHop}`);
    }
  }
  const head = Buffer.allocUnsafe(5 + nh.length);
  head.writeUInt16BE(mp.afi, 0);
  head[2] = mp.safi;
  head[3] = nh.length;
  nh.copy(head, 4);
  head[4 + nh.length] = 0; // Reserved, RFC 4760 §3: "MUST be set to 0"
  return head;
}

export function encodeMpReach(mp: MpReach, opts: CodecOptions): Buffer {
  const family = familyOf(mp.afi, mp.safi);
  for (const p of mp.nlri) {
    if (p.family !== family) throw new BgpEncodeError('BGP_ENCODE_INVALID', `${p.family} prefix in MP_REACH_NLRI AFI ${mp.afi}`);
  }
  const head = encodeMpReachHead(mp);
  return Buffer.concat([head, encodePrefixes(mp.nlri, family !== undefined && opts.addPath.has(family))]);
}
