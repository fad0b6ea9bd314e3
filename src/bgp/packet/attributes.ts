// The Path Attributes field of an UPDATE (RFC 4271 §4.3): the decode loop (framing, flags, duplicates, one decoder
// per type, the RFC 6793 AS4 reconciliation, mandatory-attribute checks) and the encoder (canonical order, extended
// length only when needed, AS4_PATH / AS4_AGGREGATOR towards OLD speakers). Each attribute's value codec and its RFC
// 7606 disposition live in its attr-*.ts file; this file decides nothing about one attribute's content.
import { BgpError } from './bgp-error';
import { AttrFlag, AttrType, UpdateSubcode } from './constants';
import { BgpEncodeError } from './header';
import { decodeAggregator, decodeAs4Aggregator, encodeAggregator, reconcileAggregator } from './attr-aggregator';
import { decodeAsPath, encodeAsPath } from './attr-as-path';
import { as4PathOf, decodeAs4Path, mergeAs4Path, needsAs4Path } from './attr-as4-path';
import { decodeAtomicAggregate, encodeAtomicAggregate } from './attr-atomic-aggregate';
import { decodeClusterList, encodeClusterList } from './attr-cluster-list';
import { decodeCommunities, encodeCommunities } from './attr-communities';
import { decodeExtendedCommunities, encodeExtendedCommunities } from './attr-extended-communities';
import { decodeLargeCommunities, encodeLargeCommunities } from './attr-large-community';
import { decodeLocalPref, encodeLocalPref } from './attr-local-pref';
import { decodeMed, encodeMed } from './attr-med';
import { decodeMpReach, encodeMpReach, mpDisable, mpReset } from './attr-mp-reach';
import { decodeMpUnreach, encodeMpUnreach } from './attr-mp-unreach';
import { decodeNextHop, encodeNextHop } from './attr-next-hop';
import { decodeOrigin, encodeOrigin } from './attr-origin';
import { decodeOriginatorId, encodeOriginatorId } from './attr-originator-id';
import { decodeUnknown, unknownSendFlags } from './attr-unknown';
import type { Aggregator, AfiSafi, AsPathSegment, CodecOptions, PathAttributes, UnknownAttribute } from './types';
import { attrError, updateError, type AttrSite } from './update-error';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const OPTIONAL = AttrFlag.Optional;
const TRANSITIVE = AttrFlag.Transitive;
const OT = OPTIONAL | TRANSITIVE;

/** The Optional and Transitive bits each recognised attribute must carry (RFC 4271 §5, RFC 4760, 1997, 4360, ...). */
const EXPECTED_OT: Readonly<Record<number, number>> = {
  [AttrType.Origin]: TRANSITIVE,
  [AttrType.AsPath]: TRANSITIVE,
  [AttrType.NextHop]: TRANSITIVE,
  [AttrType.MultiExitDisc]: OPTIONAL,
  [AttrType.LocalPref]: TRANSITIVE,
  [AttrType.AtomicAggregate]: TRANSITIVE,
  [AttrType.Aggregator]: OT,
  [AttrType.Communities]: OT,
  [AttrType.OriginatorId]: OPTIONAL,
  [AttrType.ClusterList]: OPTIONAL,
  [AttrType.MpReachNlri]: OPTIONAL,
  [AttrType.MpUnreachNlri]: OPTIONAL,
  [AttrType.ExtendedCommunities]: OT,
  [AttrType.As4Path]: OT,
  [AttrType.As4Aggregator]: OT,
  [AttrType.LargeCommunity]: OT,
};

/** What the UPDATE decoder needs to know about the NLRI around the attributes. */
export interface AttributeContext {
  /** The classic NLRI field is not empty (NEXT_HOP becomes mandatory and meaningful). */
  readonly hasClassicNlri: boolean;
}

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  /** Every error short of a session reset, in the order found (RFC 7606 §3: when several are found, the strongest approach applies). */
  readonly errors: BgpError[];
  readonly disabledFamilies: AfiSafi[];
  /** An MP_REACH_NLRI was present but could not be decoded (its family is in disabledFamilies). */
  readonly mpReachFailed: boolean;
  /** The list held at least one attribute other than MP_UNREACH_NLRI (RFC 7606 §5.2 looks at this). */
  readonly hasNonWithdrawAttributes: boolean;
}

function afiSafiOfValue(value: Buffer): AfiSafi | undefined {
  if (value.length < 3) return undefined;
  return { afi: value.readUInt16BE(0), safi: value[2] ?? 0 };
}

/**
 * Decodes the Path Attributes field. Throws BgpError only for session-reset dispositions; every weaker error is
 * returned with the attribute it concerns left out of `attributes`.
 */
export function decodeAttributes(buf: Buffer, opts: CodecOptions, ctx: AttributeContext): DecodedAttributes {
  const out: Mutable<PathAttributes> = {};
  const errors: BgpError[] = [];
  const disabledFamilies: AfiSafi[] = [];
  const unknown: UnknownAttribute[] = [];
  const seen = new Uint8Array(256);
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: Aggregator | undefined;
  let mpReachFailed = false;
  let hasNonWithdrawAttributes = false;
  let walkComplete = true;

  const end = buf.length;
  let i = 0;
  while (i < end) {
    const left = end - i;
    const flags = buf[i] ?? 0;
    const headerLen = flags & AttrFlag.ExtendedLength ? 4 : 3;
    hasNonWithdrawAttributes ||= left < 2 || buf[i + 1] !== AttrType.MpUnreachNlri;
    // RFC 7606 §4: "fewer than three octets remain (or fewer than four octets, if the Attribute Flags field has the
    // Extended Length bit set) when beginning to parse the attribute" or "the length of the last encountered path
    // attribute would cause the Total Attribute Length to be exceeded": "the "treat-as-withdraw" approach MUST be
    // used ... and the Total Attribute Length MUST be relied upon to enable the beginning of the NLRI field to be
    // located." Whatever follows in the field cannot be framed, so the walk stops here.
    if (left < headerLen) {
      errors.push(updateError(UpdateSubcode.MalformedAttributeList, `${left} octets left, too few for an attribute header`, 'treat-as-withdraw', buf.subarray(i)));
      walkComplete = false;
      break;
    }
    const typeCode = buf[i + 1] ?? 0;
    const len = headerLen === 4 ? buf.readUInt16BE(i + 2) : (buf[i + 2] ?? 0);
    if (left - headerLen < len) {
      errors.push(
        updateError(UpdateSubcode.AttributeLengthError, `attribute type ${typeCode} of ${len} octets overruns the attribute field`, 'treat-as-withdraw', buf.subarray(i)),
      );
      walkComplete = false;
      break;
    }
    const raw = buf.subarray(i, i + headerLen + len);
    const value = raw.subarray(headerLen);
    i += headerLen + len;
    const site: AttrSite = { flags, typeCode, raw };

    if (seen[typeCode]) {
      // RFC 7606 §3 (g): "If the MP_REACH_NLRI attribute or the MP_UNREACH_NLRI [RFC4760] attribute appears more
      // than once in the UPDATE message, then a NOTIFICATION message MUST be sent with the Error Subcode "Malformed
      // Attribute List". If any other attribute (whether recognized or unrecognized) appears more than once in an
      // UPDATE message, then all the occurrences of the attribute other than the first one SHALL be discarded and
      // the UPDATE message will continue to be processed."
      if (typeCode === AttrType.MpReachNlri || typeCode === AttrType.MpUnreachNlri) {
        throw attrError(site, UpdateSubcode.MalformedAttributeList, 'session-reset', `attribute type ${typeCode} repeated`);
      }
      errors.push(attrError(site, UpdateSubcode.MalformedAttributeList, 'attribute-discard', `attribute type ${typeCode} repeated`));
      continue;
    }
    seen[typeCode] = 1;

    try {
      decodeOne(site, value);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      if (e.handling === 'session-reset') throw e;
      errors.push(e);
      if (e.handling === 'afisafi-disable') {
        const fam = afiSafiOfValue(value);
        if (fam && !disabledFamilies.some((f) => f.afi === fam.afi && f.safi === fam.safi)) disabledFamilies.push(fam);
        if (typeCode === AttrType.MpReachNlri) mpReachFailed = true;
      }
    }
  }

  function decodeOne(site: AttrSite, value: Buffer): void {
    const { typeCode, flags } = site;
    const expected = EXPECTED_OT[typeCode];
    if (expected === undefined) {
      unknown.push(decodeUnknown(value, site));
      return;
    }
    // LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from an external peer are discarded whatever their form (RFC 7606
    // §7.5, §7.9, §7.10), so their decoders run before the flags check.
    const ebgpOnly = typeCode === AttrType.LocalPref || typeCode === AttrType.OriginatorId || typeCode === AttrType.ClusterList;
    if ((flags & OT) !== expected && !(ebgpOnly && !opts.internal)) {
      if (typeCode === AttrType.MpReachNlri || typeCode === AttrType.MpUnreachNlri) {
        // RFC 7606 §5.3: MP_REACH_NLRI / MP_UNREACH_NLRI whose "attribute flags ... [are] inconsistent with [RFC4760]"
        // are handled by AFI/SAFI disable or session reset, not by §3 (c).
        if (value.length < 3) throw mpReset(site, `attribute type ${typeCode} flags 0x${flags.toString(16)}`);
        throw mpDisable(site, `attribute type ${typeCode} flags 0x${flags.toString(16)}`, UpdateSubcode.AttributeFlagsError);
      }
      // RFC 7606 §3 (c): "If the value of either the Optional or Transitive bits in the Attribute Flags is in conflict
      // with their specified values, then the attribute MUST be treated as malformed and the "treat-as-withdraw"
      // approach used, unless the specification for the attribute mandates different handling for incorrect
      // Attribute Flags."
      throw attrError(site, UpdateSubcode.AttributeFlagsError, 'treat-as-withdraw', `attribute type ${typeCode} flags 0x${flags.toString(16)}`);
    }
    switch (typeCode) {
      case AttrType.Origin:
        out.origin = decodeOrigin(value, site);
        return;
      case AttrType.AsPath:
        out.asPath = decodeAsPath(value, site, opts.fourOctetAs);
        return;
      case AttrType.NextHop:
        out.nextHop = decodeNextHop(value, site, ctx.hasClassicNlri);
        return;
      case AttrType.MultiExitDisc:
        out.med = decodeMed(value, site);
        return;
      case AttrType.LocalPref:
        out.localPref = decodeLocalPref(value, site, opts);
        return;
      case AttrType.AtomicAggregate:
        out.atomicAggregate = decodeAtomicAggregate(value, site);
        return;
      case AttrType.Aggregator:
        out.aggregator = decodeAggregator(value, site, opts.fourOctetAs);
        return;
      case AttrType.Communities:
        out.communities = decodeCommunities(value, site);
        return;
      case AttrType.OriginatorId:
        out.originatorId = decodeOriginatorId(value, site, opts);
        return;
      case AttrType.ClusterList:
        out.clusterList = decodeClusterList(value, site, opts);
        return;
      case AttrType.MpReachNlri: {
        const mp = decodeMpReach(value, site, opts);
        if (mp === undefined) throw unsupportedFamily(site, value);
        out.mpReach = mp;
        return;
      }
      case AttrType.MpUnreachNlri: {
        const mp = decodeMpUnreach(value, site, opts);
        if (mp === undefined) throw unsupportedFamily(site, value);
        out.mpUnreach = mp;
        return;
      }
      case AttrType.ExtendedCommunities:
        out.extendedCommunities = decodeExtendedCommunities(value, site);
        return;
      case AttrType.LargeCommunity:
        out.largeCommunities = decodeLargeCommunities(value, site);
        return;
      case AttrType.As4Path:
      case AttrType.As4Aggregator:
        if (opts.fourOctetAs) {
          // RFC 6793 §3: a NEW speaker "MUST NOT send" them to another NEW speaker, and on receipt from one "these
          // attributes ... MUST be discarded".
          throw attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', `attribute type ${typeCode} between 4-octet AS speakers`);
        }
        if (typeCode === AttrType.As4Path) as4Path = decodeAs4Path(value, site);
        else as4Aggregator = decodeAs4Aggregator(value, site);
        return;
    }
  }

  if (unknown.length > 0) out.unknown = unknown;

  if (!opts.fourOctetAs) {
    // RFC 6793 §4.2.3: rebuild the real path and aggregator from the OLD speaker's pair of attributes.
    const { aggregator, ignoreAs4Path } = reconcileAggregator(out.aggregator, as4Aggregator);
    if (aggregator) out.aggregator = aggregator;
    if (out.asPath && as4Path && !ignoreAs4Path) out.asPath = mergeAs4Path(out.asPath, as4Path);
  }

  // RFC 7606 §3 (d): "If any of the well-known mandatory attributes are not present in an UPDATE message, then
  // "treat-as-withdraw" MUST be used." They are mandatory only when the UPDATE carries reachable NLRI (RFC 4271 §5;
  // NEXT_HOP only for the classic NLRI field, RFC 4760 §3). A walk cut short has already decided treat-as-withdraw.
  const carriesRoutes = ctx.hasClassicNlri || (out.mpReach?.nlri.length ?? 0) > 0;
  if (carriesRoutes && walkComplete) {
    const mandatory = [AttrType.Origin, AttrType.AsPath, ...(ctx.hasClassicNlri ? [AttrType.NextHop] : [])];
    for (const t of mandatory) {
      if (!seen[t]) {
        errors.push(updateError(UpdateSubcode.MissingWellKnownAttribute, `mandatory attribute type ${t} missing`, 'treat-as-withdraw', Buffer.from([t])));
      }
    }
  }

  return { attributes: out, errors, disabledFamilies, mpReachFailed, hasNonWithdrawAttributes };
}

/**
 * An MP attribute of an AFI/SAFI this speaker never negotiates. RFC 4760 §7 leaves such input to local policy; we
 * drop the attribute and keep the session (as BIRD does), since nothing of that family is ever installed.
 */
function unsupportedFamily(site: AttrSite, value: Buffer): BgpError {
  const fam = afiSafiOfValue(value);
  return attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', `AFI ${fam?.afi} SAFI ${fam?.safi} not supported`);
}

// ---------------------------------------------------------------- encoding

/** One attribute ready to be written: flags without Extended Length (the writer sets it). */
export interface AttrEntry {
  readonly typeCode: number;
  readonly flags: number;
  readonly value: Buffer;
}

/** Header plus value size of an attribute: Extended Length only when the value exceeds 255 octets. */
export function attrWireLength(valueLength: number): number {
  return (valueLength > 255 ? 4 : 3) + valueLength;
}

/** Writes one attribute at `off` and returns the offset after it. */
export function writeAttr(out: Buffer, off: number, e: AttrEntry): number {
  if (e.value.length > 0xffff) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `attribute type ${e.typeCode} of ${e.value.length} octets`);
  let o = off;
  if (e.value.length > 255) {
    out[o++] = (e.flags & ~AttrFlag.ExtendedLength & 0xf0) | AttrFlag.ExtendedLength;
    out[o++] = e.typeCode;
    out.writeUInt16BE(e.value.length, o);
    o += 2;
  } else {
    out[o++] = e.flags & ~AttrFlag.ExtendedLength & 0xf0;
    out[o++] = e.typeCode;
    out[o++] = e.value.length;
  }
  e.value.copy(out, o);
  return o + e.value.length;
}

export function writeAttrs(entries: readonly AttrEntry[]): Buffer {
  let size = 0;
  for (const e of entries) size += attrWireLength(e.value.length);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const e of entries) o = writeAttr(out, o, e);
  return out;
}

function entry(typeCode: AttrType, value: Buffer): AttrEntry {
  return { typeCode, flags: EXPECTED_OT[typeCode] ?? OT, value };
}

/**
 * The attributes to send, in the order they go on the wire. RFC 7606 §5.1: "The MP_REACH_NLRI or MP_UNREACH_NLRI
 * attribute (if present) SHALL be encoded as the very first path attribute in an UPDATE message", so that a receiver
 * can still locate the NLRI when a later attribute is malformed; every other attribute follows in ascending type
 * code, which makes the encoding of one PathAttributes value unique. Towards an OLD speaker (`fourOctetAs` false),
 * AS4_PATH / AS4_AGGREGATOR are added when some ASN does not fit in two octets (RFC 6793 §4.2.2). Empty lists are
 * left out (a zero-length COMMUNITIES, CLUSTER_LIST etc. is malformed, RFC 7606 §7). Unknown optional non-transitive
 * attributes are not sent (RFC 4271 §5).
 */
export function attributeEntries(attrs: PathAttributes, opts: CodecOptions): AttrEntry[] {
  const asnSize = opts.fourOctetAs ? 4 : 2;
  const mp: AttrEntry[] = [];
  const rest: AttrEntry[] = [];
  if (attrs.mpReach) mp.push(entry(AttrType.MpReachNlri, encodeMpReach(attrs.mpReach, opts)));
  if (attrs.mpUnreach) mp.push(entry(AttrType.MpUnreachNlri, encodeMpUnreach(attrs.mpUnreach, opts)));
  if (attrs.origin !== undefined) rest.push(entry(AttrType.Origin, encodeOrigin(attrs.origin)));
  if (attrs.asPath) rest.push(entry(AttrType.AsPath, encodeAsPath(attrs.asPath, asnSize)));
  if (attrs.nextHop !== undefined) rest.push(entry(AttrType.NextHop, encodeNextHop(attrs.nextHop)));
  if (attrs.med !== undefined) rest.push(entry(AttrType.MultiExitDisc, encodeMed(attrs.med)));
  if (attrs.localPref !== undefined) rest.push(entry(AttrType.LocalPref, encodeLocalPref(attrs.localPref)));
  if (attrs.atomicAggregate) rest.push(entry(AttrType.AtomicAggregate, encodeAtomicAggregate()));
  if (attrs.aggregator) rest.push(entry(AttrType.Aggregator, encodeAggregator(attrs.aggregator, asnSize)));
  if (attrs.communities?.length) rest.push(entry(AttrType.Communities, encodeCommunities(attrs.communities)));
  if (attrs.originatorId !== undefined) rest.push(entry(AttrType.OriginatorId, encodeOriginatorId(attrs.originatorId)));
  if (attrs.clusterList?.length) rest.push(entry(AttrType.ClusterList, encodeClusterList(attrs.clusterList)));
  if (attrs.extendedCommunities?.length) {
    rest.push(entry(AttrType.ExtendedCommunities, encodeExtendedCommunities(attrs.extendedCommunities)));
  }
  if (!opts.fourOctetAs) {
    if (attrs.asPath && needsAs4Path(attrs.asPath)) rest.push(entry(AttrType.As4Path, encodeAsPath(as4PathOf(attrs.asPath), 4)));
    if (attrs.aggregator && attrs.aggregator.asn > 0xffff) rest.push(entry(AttrType.As4Aggregator, encodeAggregator(attrs.aggregator, 4)));
  }
  if (attrs.largeCommunities?.length) rest.push(entry(AttrType.LargeCommunity, encodeLargeCommunities(attrs.largeCommunities)));
  for (const u of attrs.unknown ?? []) {
    const flags = unknownSendFlags(u);
    // A type code we recognise cannot travel as "unknown": it would collide with the real attribute.
    if (flags === undefined || EXPECTED_OT[u.typeCode] !== undefined) continue;
    rest.push({ typeCode: u.typeCode, flags, value: u.value });
  }
  rest.sort((a, b) => a.typeCode - b.typeCode);
  const seen = new Set<number>();
  for (const e of rest) {
    if (seen.has(e.typeCode)) throw new BgpEncodeError('BGP_ENCODE_INVALID', `attribute type ${e.typeCode} given twice`);
    seen.add(e.typeCode);
  }
  return [...mp, ...rest];
}

/** The Path Attributes field for `attrs`. */
export function encodeAttributes(attrs: PathAttributes, opts: CodecOptions): Buffer {
  return writeAttrs(attributeEntries(attrs, opts));
}
