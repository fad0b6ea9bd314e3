// NEXT_HOP (type 3, well-known, mandatory when the classic NLRI field is not empty; RFC 4271 §5.1.3): an IPv4
// address. Owns its length check and the semantic check of RFC 4271 §6.3.
import { UpdateSubcode } from './constants';
import { BgpEncodeError } from './header';
import { formatIpv4, parseIpv4 } from './prefix';
import { attrError, lengthError, type AttrSite } from './update-error';

/** Why this address cannot be a next hop, or undefined if it can. Loopbacks stay allowed: lab peers live on 127/8. */
export function nextHopProblem(addr: Buffer): string | undefined {
  const a = addr[0] ?? 0;
  if (addr.readUInt32BE(0) === 0) return 'unspecified address 0.0.0.0';
  if (a >= 224 && a <= 239) return 'multicast address';
  if (addr.readUInt32BE(0) === 0xffffffff) return 'limited broadcast address';
  return undefined;
}

/**
 * `checkSemantics` is set when the UPDATE carries classic NLRI that would use this next hop; without them the
 * attribute is ignored (RFC 4760 §3: an UPDATE whose only NLRI are in MP_REACH_NLRI "SHOULD NOT carry the NEXT_HOP
 * attribute ... the BGP speaker that receives the message SHOULD ignore this attribute").
 */
export function decodeNextHop(value: Buffer, site: AttrSite, checkSemantics: boolean): string {
  // RFC 7606 §7.3: "The attribute is considered malformed if its length is not 4 ... An UPDATE message with a
  // malformed NEXT_HOP attribute SHALL be handled using the approach of "treat-as-withdraw"."
  if (value.length !== 4) throw lengthError(site, 'NEXT_HOP', 'treat-as-withdraw', value.length, '4');
  if (checkSemantics) {
    // RFC 4271 §6.3: a semantically incorrect NEXT_HOP: "an error SHOULD be logged, and the route SHOULD be
    // ignored. In this case, a NOTIFICATION message SHOULD NOT be sent" -- ignoring the routes is treat-as-withdraw.
    const problem = nextHopProblem(value);
    if (problem) {
      throw attrError(site, UpdateSubcode.InvalidNextHopAttribute, 'treat-as-withdraw', `NEXT_HOP ${formatIpv4(value)}: ${problem}`);
    }
  }
  return formatIpv4(value);
}

export function encodeNextHop(addr: string): Buffer {
  const v = parseIpv4(addr);
  if (v === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', `NEXT_HOP ${addr} is not an IPv4 address`);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
}
