// Encoding UPDATE messages: one body from an UpdateMessage, whole messages packed from a set of routes that share
// their attributes (splitting withdrawals and NLRI so that no message exceeds the negotiated maximum), and End-of-RIB
// markers (RFC 4724 §2). Pure: returns Buffers, sends nothing.
import { attrWireLength, attributeEntries, encodeAttributes, writeAttrs } from './attributes';
import { encodeMpReachHead } from './attr-mp-reach';
import { encodeMpUnreachHead } from './attr-mp-unreach';
import { AttrFlag, AttrType, HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './constants';
import { BgpEncodeError } from './header';
import { prefixWireLength, writePrefix } from './prefix';
import type { CodecOptions, Family, PathAttributes, Prefix, UpdateMessage } from './types';

/** Withdrawn Routes Length + Total Path Attribute Length. */
const LENGTH_FIELDS = 4;
/** RFC 4271 §4.3: the smallest UPDATE, 19 + 2 + 2. */
const MIN_UPDATE = HEADER_LENGTH + LENGTH_FIELDS;

/**
 * Writes the RFC 4271 §4.1 header (16 octets of ones, length, type) at the start of `out`. A local helper so the
 * UPDATE encoder does not depend on the general framer.
 */
function writeHeader(out: Buffer, length: number): void {
  out.fill(0xff, 0, 16);
  out.writeUInt16BE(length, 16);
  out[18] = MessageType.Update;
}

function messageLimit(opts: CodecOptions): number {
  return opts.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

function requireFamily(prefixes: readonly Prefix[], family: Family, field: string): void {
  for (const p of prefixes) {
    if (p.family !== family) throw new BgpEncodeError('BGP_ENCODE_INVALID', `${p.family} prefix ${p.address}/${p.length} in ${field}`);
  }
}

/**
 * The UPDATE body (no header) for `msg`, attributes in canonical order (see attributeEntries). The classic Withdrawn
 * Routes and NLRI fields carry IPv4 only; IPv6 goes in msg.attributes.mpReach / mpUnreach. Throws BgpEncodeError if
 * the message would exceed the maximum length for `opts` (4096, or 65535 with extended message, RFC 8654 §4).
 */
export function encodeUpdateBody(msg: UpdateMessage, opts: CodecOptions): Buffer {
  requireFamily(msg.withdrawn, 'ipv4', 'Withdrawn Routes');
  requireFamily(msg.nlri, 'ipv4', 'NLRI');
  const addPath = opts.addPath.has('ipv4');
  const attrs = encodeAttributes(msg.attributes, opts);
  let wlen = 0;
  for (const p of msg.withdrawn) wlen += prefixWireLength(p, addPath);
  let nlen = 0;
  for (const p of msg.nlri) nlen += prefixWireLength(p, addPath);
  const size = LENGTH_FIELDS + wlen + attrs.length + nlen;
  if (HEADER_LENGTH + size > messageLimit(opts)) {
    throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', `UPDATE of ${HEADER_LENGTH + size} octets exceeds ${messageLimit(opts)}`);
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  out.writeUInt16BE(wlen, o);
  o += 2;
  for (const p of msg.withdrawn) o = writePrefix(out, o, p, addPath);
  out.writeUInt16BE(attrs.length, o);
  o += 2;
  attrs.copy(out, o);
  o += attrs.length;
  for (const p of msg.nlri) o = writePrefix(out, o, p, addPath);
  return out;
}

/** The whole message (header included) for an UPDATE body. */
export function frameUpdate(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  writeHeader(out, out.length);
  body.copy(out, HEADER_LENGTH);
  return out;
}

/** A run of prefixes to encode, by position: Prefix objects (prefixList) or the RIB's entry ids (rib/adj-rib-out.ts). */
export interface NlriList {
  readonly length: number;
  /** Octets of item i on the wire. */
  wireLength(i: number, addPath: boolean): number;
  /** Writes item i at `off`; returns the offset after it. */
  write(out: Buffer, off: number, i: number, addPath: boolean): number;
}

export function prefixList(prefixes: readonly Prefix[]): NlriList {
  return {
    length: prefixes.length,
    wireLength: (i, addPath) => prefixWireLength(prefixes[i] as Prefix, addPath),
    write: (out, off, i, addPath) => writePrefix(out, off, prefixes[i] as Prefix, addPath),
  };
}

/**
 * Splits the list greedily into runs [start, end) whose bytes fit: `fits(bytes)` must be monotonic. Throws if a
 * single prefix cannot fit even alone (the attributes leave no room).
 */
function chunk(list: NlriList, addPath: boolean, fits: (bytes: number) => boolean): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  let start = 0;
  let bytes = 0;
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const s = list.wireLength(i, addPath);
    if (fits(bytes + s)) {
      bytes += s;
      continue;
    }
    if (i === start) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', 'the path attributes leave no room for a single prefix');
    runs.push([start, i, bytes]);
    start = i;
    bytes = s;
    if (!fits(bytes)) throw new BgpEncodeError('BGP_ENCODE_TOO_LONG', 'the path attributes leave no room for a single prefix');
  }
  if (start < n) runs.push([start, n, bytes]);
  return runs;
}

function split(...lists: ReadonlyArray<readonly Prefix[]>): { v4: Prefix[]; v6: Prefix[] } {
  const v4: Prefix[] = [];
  const v6: Prefix[] = [];
  for (const list of lists) for (const p of list) (p.family === 'ipv4' ? v4 : v6).push(p);
  return { v4, v6 };
}

/** Attributes of `attrs` without the MP ones (and without NEXT_HOP when `dropNextHop`). */
function baseAttributes(attrs: PathAttributes, dropNextHop: boolean): PathAttributes {
  const { mpReach: _r, mpUnreach: _u, ...rest } = attrs;
  if (!dropNextHop) return rest;
  const { nextHop: _n, ...noNextHop } = rest;
  return noNextHop;
}

function checkMaxLength(maxMessageLength: number): void {
  if (maxMessageLength < MIN_UPDATE || maxMessageLength > MAX_EXTENDED_MESSAGE_LENGTH) {
    throw new BgpEncodeError('BGP_ENCODE_INVALID', `maximum message length ${maxMessageLength}`);
  }
}

/**
 * Whole UPDATE messages (header included) carrying `input`, none longer than `maxMessageLength`. IPv4 prefixes travel
 * in the classic Withdrawn Routes / NLRI fields, IPv6 ones in MP_UNREACH_NLRI / MP_REACH_NLRI, whose next hop is
 * taken from `input.attributes.mpReach` (its own nlri, like mpUnreach.withdrawn, are added to the input). Following
 * RFC 7606 §5.1, each message carries exactly one of: withdrawn routes, NLRI, MP_REACH_NLRI, MP_UNREACH_NLRI; order
 * is IPv4 withdrawals, IPv6 withdrawals, IPv4 NLRI, IPv6 NLRI. IPv6 announcements leave NEXT_HOP out (RFC 4760 §3).
 */
export function encodeUpdates(
  input: { withdrawn: Prefix[]; attributes?: PathAttributes; nlri: Prefix[] },
  opts: CodecOptions,
  maxMessageLength: number,
): Buffer[] {
  checkMaxLength(maxMessageLength);
  const attrs = input.attributes;
  const w = split(input.withdrawn, attrs?.mpUnreach?.withdrawn ?? []);
  const n = split(input.nlri, attrs?.mpReach?.nlri ?? []);
  if ((n.v4.length > 0 || n.v6.length > 0) && attrs === undefined) {
    throw new BgpEncodeError('BGP_ENCODE_INVALID', 'NLRI without path attributes');
  }
  const out: Buffer[] = [];
  if (w.v4.length > 0) out.push(...withdrawals('ipv4', prefixList(w.v4), opts, maxMessageLength));
  if (w.v6.length > 0) out.push(...withdrawals('ipv6', prefixList(w.v6), opts, maxMessageLength));
  if (n.v4.length > 0 && attrs) out.push(...announcements('ipv4', attrs, prefixList(n.v4), opts, maxMessageLength));
  if (n.v6.length > 0 && attrs) out.push(...announcements('ipv6', attrs, prefixList(n.v6), opts, maxMessageLength));
  return out;
}

/**
 * UPDATEs for one family's run of prefixes: withdrawals when `attrs` is undefined, else announcements with `attrs`
 * (for IPv6 its mpReach gives the next hop; its own nlri and mpUnreach are ignored). Same packing as encodeUpdates.
 * `attrs` must not change afterwards: its encoding is kept for the next call with the same object and options.
 */
export function encodeNlriUpdates(family: Family, attrs: PathAttributes | undefined, list: NlriList, opts: CodecOptions, maxMessageLength: number): Buffer[] {
  checkMaxLength(maxMessageLength);
  if (list.length === 0) return [];
  return attrs === undefined ? withdrawals(family, list, opts, maxMessageLength) : announcements(family, attrs, list, opts, maxMessageLength, true);
}

function withdrawals(family: Family, list: NlriList, opts: CodecOptions, maxMessageLength: number): Buffer[] {
  const out: Buffer[] = [];
  const addPath = opts.addPath.has(family);
  if (family === 'ipv4') {
    // Header, lengths, prefixes.
    for (const [s, e, bytes] of chunk(list, addPath, (b) => MIN_UPDATE + b <= maxMessageLength)) {
      const msg = Buffer.allocUnsafe(MIN_UPDATE + bytes);
      writeHeader(msg, msg.length);
      let o = HEADER_LENGTH;
      msg.writeUInt16BE(bytes, o);
      o += 2;
      for (let i = s; i < e; i++) o = list.write(msg, o, i, addPath);
      msg.writeUInt16BE(0, o);
      out.push(msg);
    }
    return out;
  }
  // IPv6: one MP_UNREACH_NLRI each.
  const head = encodeMpUnreachHead('ipv6');
  for (const [s, e, bytes] of chunk(list, addPath, (b) => MIN_UPDATE + attrWireLength(head.length + b) <= maxMessageLength)) {
    out.push(mpMessage(AttrType.MpUnreachNlri, head, head.length + bytes, Buffer.alloc(0), list, s, e, addPath));
  }
  return out;
}

/**
 * Encoded attributes by attribute object, for the last codec options they were encoded with. The RIB hands out one
 * object per distinct set and never changes it, and every session has its own options object, so a set that is
 * announced in many UPDATEs (its prefixes arrive one UPDATE at a time) is encoded once per session, not per message.
 * Only encodeNlriUpdates (the RIB's caller) reuses: encodeUpdates takes objects a caller may still change.
 */
const ipv4Encoded = new WeakMap<PathAttributes, { opts: CodecOptions; bytes: Buffer }>();
const ipv6Encoded = new WeakMap<PathAttributes, { opts: CodecOptions; bytes: Buffer }>();

function encodedOnce(reuse: boolean, cache: WeakMap<PathAttributes, { opts: CodecOptions; bytes: Buffer }>, attrs: PathAttributes, opts: CodecOptions, encode: () => Buffer): Buffer {
  if (!reuse) return encode();
  const hit = cache.get(attrs);
  if (hit !== undefined && hit.opts === opts) return hit.bytes;
  // Small Buffers are slices of a shared 8 KiB pool: keeping one would keep its whole slab, so the kept copy gets
  // memory of its own.
  const encoded = encode();
  const bytes = Buffer.allocUnsafeSlow(encoded.length);
  encoded.copy(bytes);
  cache.set(attrs, { opts, bytes });
  return bytes;
}

function announcements(family: Family, attrs: PathAttributes, list: NlriList, opts: CodecOptions, maxMessageLength: number, reuse = false): Buffer[] {
  const out: Buffer[] = [];
  const addPath = opts.addPath.has(family);
  if (family === 'ipv4') {
    // The attributes (encoded once per attribute object and session) and as many prefixes as fit.
    const base = encodedOnce(reuse, ipv4Encoded, attrs, opts, () => encodeAttributes(baseAttributes(attrs, false), opts));
    const fixed = MIN_UPDATE + base.length;
    for (const [s, e, bytes] of chunk(list, addPath, (b) => fixed + b <= maxMessageLength)) {
      const msg = Buffer.allocUnsafe(fixed + bytes);
      writeHeader(msg, msg.length);
      let o = HEADER_LENGTH;
      msg.writeUInt16BE(0, o);
      msg.writeUInt16BE(base.length, o + 2);
      o += 4;
      base.copy(msg, o);
      o += base.length;
      for (let i = s; i < e; i++) o = list.write(msg, o, i, addPath);
      out.push(msg);
    }
    return out;
  }
  // IPv6: MP_REACH_NLRI first (RFC 7606 §5.1), then the other attributes.
  const mp = attrs.mpReach;
  if (mp === undefined) throw new BgpEncodeError('BGP_ENCODE_INVALID', 'IPv6 NLRI without an MP_REACH_NLRI next hop');
  const head = encodeMpReachHead({ afi: 2, safi: 1, nextHop: mp.nextHop, linkLocalNextHop: mp.linkLocalNextHop });
  const others = encodedOnce(reuse, ipv6Encoded, attrs, opts, () => writeAttrs(attributeEntries(baseAttributes(attrs, true), opts)));
  for (const [s, e, bytes] of chunk(list, addPath, (b) => MIN_UPDATE + others.length + attrWireLength(head.length + b) <= maxMessageLength)) {
    out.push(mpMessage(AttrType.MpReachNlri, head, head.length + bytes, others, list, s, e, addPath));
  }
  return out;
}

/** One UPDATE whose attribute list is an MP attribute (head + prefixes[s, e)) followed by `others`. */
function mpMessage(
  typeCode: AttrType,
  head: Buffer,
  valueLength: number,
  others: Buffer,
  list: NlriList,
  s: number,
  e: number,
  addPath: boolean,
): Buffer {
  const mpLen = attrWireLength(valueLength);
  const msg = Buffer.allocUnsafe(MIN_UPDATE + mpLen + others.length);
  writeHeader(msg, msg.length);
  let o = HEADER_LENGTH;
  msg.writeUInt16BE(0, o);
  msg.writeUInt16BE(mpLen + others.length, o + 2);
  o += 4;
  // The attribute header is written by hand so the prefixes go straight into the message instead of a value buffer.
  if (valueLength > 255) {
    msg[o++] = AttrFlag.Optional | AttrFlag.ExtendedLength;
    msg[o++] = typeCode;
    msg.writeUInt16BE(valueLength, o);
    o += 2;
  } else {
    msg[o++] = AttrFlag.Optional;
    msg[o++] = typeCode;
    msg[o++] = valueLength;
  }
  head.copy(msg, o);
  o += head.length;
  for (let i = s; i < e; i++) o = list.write(msg, o, i, addPath);
  others.copy(msg, o);
  return msg;
}

/**
 * The End-of-RIB marker for `family`, as a whole message (header included). RFC 4724 §2: "For the IPv4 unicast
 * address family, the End-of-RIB marker is an UPDATE message with the minimum length"; for any other it "contains
 * only the MP_UNREACH_NLRI attribute ... with no withdrawn routes for that <AFI, SAFI>".
 */
export function endOfRib(family: Family, opts: CodecOptions): Buffer {
  const attributes: PathAttributes = family === 'ipv4' ? {} : { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } };
  return frameUpdate(encodeUpdateBody({ type: 'update', withdrawn: [], attributes, nlri: [] }, opts));
}

// The session sends and recognises markers in one place; the recogniser itself lives with the decoder.
export { isEndOfRib } from './update';
