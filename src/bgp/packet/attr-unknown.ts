// Attributes this speaker does not recognise (RFC 4271 §5, §9): an unknown well-known attribute is an error; an
// unknown optional transitive one is kept and passed on with the Partial bit set; an unknown optional
// non-transitive one is kept for display only and never sent on.
import { AttrFlag, UpdateSubcode } from './constants';
import type { UnknownAttribute } from './types';
import { attrError, type AttrSite } from './update-error';

export function decodeUnknown(value: Buffer, site: AttrSite): UnknownAttribute {
  if ((site.flags & AttrFlag.Optional) === 0) {
    // RFC 4271 §6.3: "If any of the well-known mandatory attributes are not recognized, then the Error Subcode MUST
    // be set to Unrecognized Well-known Attribute." RFC 7606 §2 prefers treat-as-withdraw to a reset wherever the
    // NLRI can still be located, which they can here: the attribute's own length field was sound.
    throw attrError(site, UpdateSubcode.UnrecognizedWellKnownAttribute, 'treat-as-withdraw', `unrecognized well-known attribute type ${site.typeCode}`);
  }
  // Copy: a route kept in the RIB must not pin the whole received message.
  return { flags: site.flags, typeCode: site.typeCode, value: Buffer.from(value) };
}

/**
 * The flags to send an unknown attribute with, or undefined if it must not be sent. RFC 4271 §5: "If an optional
 * transitive attribute is unrecognized, the Partial bit in the attribute flags octet is set to 1, and the attribute
 * is retained for propagation to other BGP speakers"; "If an optional non-transitive attribute is unrecognized, it
 * is quietly ignored." The Extended Length bit is chosen by the writer.
 */
export function unknownSendFlags(attr: UnknownAttribute): number | undefined {
  const ot = attr.flags & (AttrFlag.Optional | AttrFlag.Transitive);
  if (ot !== (AttrFlag.Optional | AttrFlag.Transitive)) return undefined;
  return ot | AttrFlag.Partial;
}
